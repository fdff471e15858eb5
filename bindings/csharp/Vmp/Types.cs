// Types.cs - the values the vmp API hands out: immutable classes. The enums of vmp.h are in
// Abi.g.cs, generated from its lists (make generate).
using System;
using System.Collections.Generic;

namespace Vmp
{
    /// <summary>A payment as last known by the library; amounts in minor units (49900 is 499.00).</summary>
    public sealed class Payment
    {
        public string Reference { get; private set; }
        public PaymentState State { get; private set; }
        public long Amount { get; private set; }
        public long Authorized { get; private set; }
        public long Captured { get; private set; }
        public long Refunded { get; private set; }
        public long Cancelled { get; private set; }
        public string Currency { get; private set; }
        /// <summary>Vipps' pspReference; "" until the library has read it.</summary>
        public string PspReference { get; private set; }
        /// <summary>When the payment was created (Vipps' event log once read, else when this
        /// library's checkout was answered), UTC; null when unknown.</summary>
        public DateTime? CreatedAt { get; private set; }
        /// <summary>When the library saw the state or an aggregate change (its own clock), UTC;
        /// null when unknown.</summary>
        public DateTime? LastChanged { get; private set; }

        /// <summary>Reads a vmp_payment (offsets fixed by vmp.h and checked by tests/c/header_test.c).</summary>
        internal static Payment FromNative(byte[] b)
        {
            return new Payment
            {
                State = (PaymentState)BitConverter.ToInt32(b, 4),
                Amount = BitConverter.ToInt64(b, 8),
                Authorized = BitConverter.ToInt64(b, 16),
                Captured = BitConverter.ToInt64(b, 24),
                Refunded = BitConverter.ToInt64(b, 32),
                Cancelled = BitConverter.ToInt64(b, 40),
                Currency = Utf8.FromBuffer(b, 48, 4),
                Reference = Utf8.FromBuffer(b, 52, NativeMethods.ReferenceSize),
                CreatedAt = FromUnixMs(BitConverter.ToInt64(b, 120)),
                LastChanged = FromUnixMs(BitConverter.ToInt64(b, 128)),
                PspReference = Utf8.FromBuffer(b, 136, Abi.PspReferenceSize),
            };
        }

        static DateTime? FromUnixMs(long ms)
        {
            if (ms == 0) return null;
            return new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMilliseconds(ms);
        }

        internal static byte[] NewNative()
        {
            var b = new byte[NativeMethods.PaymentSize];
            BitConverter.GetBytes((uint)NativeMethods.PaymentSize).CopyTo(b, 0);
            return b;
        }

        public override string ToString()
        {
            return string.Format("{0} {1} amount={2} authorized={3} captured={4} refunded={5} cancelled={6} {7}",
                Reference, State, Amount, Authorized, Captured, Refunded, Cancelled, Currency);
        }
    }

    /// <summary>One scanner event. Text is the code as scanned; a personal QR is personal data: do not log it.</summary>
    public sealed class Scan
    {
        public ScanEvent Event { get; internal set; }
        public CodeKind Kind { get; internal set; }
        public ScanSource Source { get; internal set; }
        public ulong Sequence { get; internal set; }
        public DateTimeOffset Time { get; internal set; }
        public string AimId { get; internal set; }
        public byte[] Bytes { get; internal set; }
        public string Text { get { return System.Text.Encoding.UTF8.GetString(Bytes); } }
        public bool IsPersonalQr { get { return Kind >= CodeKind.PersonalQr && Kind <= CodeKind.VippsTokenQr; } }
        public bool IsProduct { get { return Kind >= CodeKind.Ean8 && Kind <= CodeKind.Barcode; } }
    }

    /// <summary>One log record of the library: masked, safe to store.</summary>
    public sealed class LogRecord
    {
        public LogLevel Level { get; internal set; }
        public ulong Sequence { get; internal set; }
        public DateTimeOffset Time { get; internal set; }
        public string Component { get; internal set; }
        public string Message { get; internal set; }
        public IDictionary<string, object> Fields { get; internal set; }

        public override string ToString()
        {
            return string.Format("{0} {1}: {2}", Level, Component, Message);
        }
    }

    /// <summary>Where an enrollment stands; Profile is the consented profile (Consented only). Personal data.</summary>
    public sealed class Enrollment
    {
        public string Id { get; internal set; }
        public EnrollmentState State { get; internal set; }
        public IDictionary<string, object> Profile { get; internal set; }
    }

    /// <summary>One journal entry of Pending / Recover (vmp.h documents the fields).</summary>
    public sealed class PendingOperation
    {
        public string Id { get; internal set; }
        public string Operation { get; internal set; }
        public string Reference { get; internal set; }
        public string State { get; internal set; }
        public long Amount { get; internal set; }
        public string Currency { get; internal set; }
        public string OperationId { get; internal set; }
        public long Attempts { get; internal set; }
        /// <summary>The whole entry as the library gave it ("outcome", "payment", times, ...).</summary>
        public IDictionary<string, object> Raw { get; internal set; }

        internal static List<PendingOperation> ListFrom(IDictionary<string, object> report, string key)
        {
            var list = new List<PendingOperation>();
            object v;
            if (!report.TryGetValue(key, out v) || v == null) return list;
            foreach (object o in (List<object>)v)
            {
                var d = (Dictionary<string, object>)o;
                list.Add(new PendingOperation
                {
                    Id = Get(d, "id") as string, Operation = Get(d, "operation") as string,
                    Reference = Get(d, "reference") as string, State = Get(d, "state") as string,
                    Amount = Convert.ToInt64(Get(d, "amount") ?? 0L), Currency = Get(d, "currency") as string ?? "",
                    OperationId = Get(d, "operation_id") as string ?? "", Attempts = Convert.ToInt64(Get(d, "attempts") ?? 0L),
                    Raw = d,
                });
            }
            return list;
        }

        static object Get(IDictionary<string, object> d, string k)
        {
            object v;
            return d.TryGetValue(k, out v) ? v : null;
        }
    }

    /// <summary>vmp_pending: operations still open, and finished ones the till has not seen.</summary>
    public sealed class PendingReport
    {
        public IList<PendingOperation> Open { get; internal set; }
        public IList<PendingOperation> Unacknowledged { get; internal set; }
        /// <summary>The journal is new (since JournalNewSince, RFC 3339): calls without an operation id
        /// on payments it does not know are refused until Acknowledge("new-journal").</summary>
        public bool JournalNew { get; internal set; }
        public string JournalNewSince { get; internal set; }
        /// <summary>Payments this till created that may still hold the customer's money (AUTHORIZED and not
        /// fully captured or cancelled, or last seen CREATED), as payment records (vmp.h, "Finding
        /// payments"): capture, cancel or Acknowledge("payment:" + reference) each.</summary>
        public IList<Dictionary<string, object>> Uncaptured { get; internal set; }
        /// <summary>With config "ledger": how far the chain ledger is behind ("backlog", "lag_ms", ...); else null.</summary>
        public Dictionary<string, object> Ledger { get; internal set; }
    }

    /// <summary>vmp_recover: what it resolved and what is still open.</summary>
    public sealed class RecoveryReport
    {
        public IList<PendingOperation> Resolved { get; internal set; }
        public IList<PendingOperation> StillOpen { get; internal set; }
        /// <summary>The payments left uncaptured, as Vipps reported them during the call.</summary>
        public IList<Dictionary<string, object>> Uncaptured { get; internal set; }
    }

    public sealed class LogEventArgs : EventArgs
    {
        public LogEventArgs(LogRecord record) { Record = record; }
        public LogRecord Record { get; private set; }
    }

    public sealed class ScanEventArgs : EventArgs
    {
        public ScanEventArgs(Scan scan) { Scan = scan; }
        public Scan Scan { get; private set; }
    }
}
