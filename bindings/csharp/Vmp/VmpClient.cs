// VmpClient.cs - one open connection to Vipps (or to the embedded simulator) behind a SafeHandle.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;

namespace Vmp
{
    /// <summary>The vmp_client handle. Releasing it calls vmp_close, also from the finalizer when a
    /// VmpClient was never disposed.</summary>
    public sealed class VmpClientHandle : SafeHandle
    {
        public VmpClientHandle() : base(IntPtr.Zero, true) { }

        internal VmpClientHandle(IntPtr h) : base(IntPtr.Zero, true) { SetHandle(h); }

        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }

        protected override bool ReleaseHandle()
        {
            NativeMethods.vmp_close(handle);
            return true;
        }
    }

    /// <summary>Library information that needs no client.</summary>
    public static class VmpInfo
    {
        public static string Version { get { Library.EnsureLoaded(); return Utf8.FromNative(NativeMethods.vmp_version()); } }
        public static string StatusName(int status) { Library.EnsureLoaded(); return Utf8.FromNative(NativeMethods.vmp_status_str(status)); }
        public static string StateName(int state) { Library.EnsureLoaded(); return Utf8.FromNative(NativeMethods.vmp_state_str(state)); }
        public static string ScanEventName(int e) { Library.EnsureLoaded(); return Utf8.FromNative(NativeMethods.vmp_scan_event_str(e)); }
        public static string CodeKindName(int k) { Library.EnsureLoaded(); return Utf8.FromNative(NativeMethods.vmp_code_kind_str(k)); }
        public static string EnrollmentStateName(int s) { Library.EnsureLoaded(); return Utf8.FromNative(NativeMethods.vmp_enrollment_state_str(s)); }
        public static string LogLevelName(int l) { Library.EnsureLoaded(); return Utf8.FromNative(NativeMethods.vmp_log_level_str(l)); }
    }

    /// <summary>How the binding keeps a thread blocked in one of the library's waits (PollStatus,
    /// NextScan, PollEnrollment with a wait) from holding the process when Main returns.
    ///
    /// The runtime (Mono, .NET) first waits for every foreground thread, then raises ProcessExit,
    /// then (Mono) aborts the background threads and waits for them. A thread inside a native wait
    /// cannot be aborted, so both waits would last as long as the library's wait, up to 10 minutes.
    /// Hence: for the time of such a wait the calling thread counts as background (Enter/Leave);
    /// at ProcessExit every client still open is closed (OpenClients), which ends the waits at
    /// once; and a wait ended that way parks its thread (a background thread by then) instead of
    /// throwing into the host's code while the process ends. A thread doing work (a checkout, a
    /// capture) stays foreground; one that was background stays so.</summary>
    internal static class Waiting
    {
        /// <summary>Makes the calling thread background for a wait of waitMs; true when it did.</summary>
        internal static bool Enter(int waitMs)
        {
            if (waitMs <= 0) return false;
            var t = Thread.CurrentThread;
            if (t.IsBackground) return false;
            t.IsBackground = true;
            return true;
        }

        /// <summary>After the wait: the thread is foreground again if Enter made it background (not
        /// once the process is exiting).</summary>
        internal static void Leave(bool flipped)
        {
            if (flipped && !OpenClients.Exiting) Thread.CurrentThread.IsBackground = false;
        }

        /// <summary>Whether a wait returned status because ProcessExit closed its client.</summary>
        internal static bool EndedByExit(int status)
        {
            return OpenClients.Exiting && status == (int)VmpStatus.InvalidHandle && Thread.CurrentThread.IsBackground;
        }

        /// <summary>Parks a thread whose wait the process's exit ended: it ends with the process
        /// (Mono aborts the sleep) instead of throwing into the host's code. Never in a finally
        /// block, where Mono defers the abort.</summary>
        internal static void Park()
        {
            Thread.Sleep(Timeout.Infinite);
        }
    }

    /// <summary>The clients not yet disposed (weakly: a forgotten client is still finalized), closed
    /// at ProcessExit so that no thread stays blocked in a wait of the library while the process
    /// ends.</summary>
    internal static class OpenClients
    {
        static readonly object gate = new object();
        static readonly List<WeakReference<VmpClient>> open = new List<WeakReference<VmpClient>>();
        static bool hooked;

        /// <summary>Set when ProcessExit has begun closing the clients.</summary>
        internal static volatile bool Exiting;

        internal static void Add(VmpClient client)
        {
            lock (gate)
            {
                VmpClient c;
                open.RemoveAll(w => !w.TryGetTarget(out c) || c.IsDisposed);
                open.Add(new WeakReference<VmpClient>(client));
                if (hooked) return;
                hooked = true;
            }
            AppDomain.CurrentDomain.ProcessExit += CloseAll;
        }

        static void CloseAll(object sender, EventArgs e)
        {
            Exiting = true;
            var alive = new List<VmpClient>();
            lock (gate)
            {
                VmpClient c;
                foreach (var w in open) if (w.TryGetTarget(out c)) alive.Add(c);
                open.Clear();
            }
            alive.Reverse(); // sales units before the clients they belong to
            foreach (var c in alive) c.Dispose();
        }
    }

    /// <summary>A thread of the binding that pulls events with vmp_next_* and raises them, so managed
    /// code never runs on a thread of the library. It holds the raw handle value, not the client, so a
    /// forgotten client can still be finalized (which closes the handle and ends the thread).</summary>
    internal sealed class Pump
    {
        internal const int WaitMs = 250;
        volatile bool stop;
        readonly Thread thread;

        internal Pump(string name, IntPtr handle, Func<IntPtr, int, object> take, Action<object> deliver)
        {
            thread = new Thread(() =>
            {
                while (!stop)
                {
                    object item;
                    try { item = take(handle, WaitMs); }
                    catch (VmpClientClosedException) { return; } // vmp_close ended the wait
                    if (item == null || stop) continue;
                    try { deliver(item); }
                    catch (Exception e) { Trace.TraceError("vmp: a handler called from {0} threw: {1}", name, e); }
                }
            });
            thread.Name = name;
            thread.IsBackground = true;
            thread.Start();
        }

        internal void Stop() { stop = true; }

        internal void Join()
        {
            if (Thread.CurrentThread != thread) thread.Join(5000);
        }
    }

    /// <summary>A vmp client: the whole in-store flow on one handle. Safe to use from many threads.
    /// Dispose it (or use a using block); a second Dispose is a no-op, any call after it throws
    /// ObjectDisposedException. Log records are raised as LogReceived and written to
    /// System.Diagnostics.Trace; scans are raised as ScanReceived - both from threads of the binding
    /// that pull them (vmp_next_log, vmp_next_scan), never from a thread of the library.</summary>
    public sealed partial class VmpClient : IDisposable
    {
        readonly VmpClientHandle handle;
        readonly IntPtr id;
        readonly Shared shared = new Shared();
        readonly object gate = new object();
        int disposed;

        /// <summary>What the client and its threads share (the threads must not hold the client).</summary>
        sealed class Shared
        {
            internal EventHandler<LogEventArgs> Log;
            internal EventHandler<ScanEventArgs> Scan;
            internal volatile bool TraceRecords = true;
            internal object Sender;

            internal void DeliverLog(object o)
            {
                var r = (LogRecord)o;
                if (TraceRecords)
                {
                    string line = "vmp " + r.Component + ": " + r.Message;
                    if (r.Level >= LogLevel.Error) Trace.TraceError(line);
                    else if (r.Level == LogLevel.Warn) Trace.TraceWarning(line);
                    else Trace.TraceInformation(line);
                }
                var h = Log;
                if (h != null) h(Sender, new LogEventArgs(r));
            }

            internal void DeliverScan(object o)
            {
                var h = Scan;
                if (h != null) h(Sender, new ScanEventArgs((Scan)o));
            }
        }

        Pump logPump, scanPump;

        /// <summary>Creates a client from the JSON configuration of vmp_init (docs/CONFIGURATION.md);
        /// "{}" starts the embedded simulator.</summary>
        public VmpClient(string configJson = "{}")
        {
            if (configJson == null) throw new ArgumentNullException("configJson");
            Library.EnsureLoaded();
            IntPtr h;
            VmpException.Check(NativeMethods.vmp_init(Utf8.ToNative(configJson), out h));
            id = h;
            handle = new VmpClientHandle(h);
            shared.Sender = this;
            logPump = new Pump("vmp-logs", id, TakeLog, shared.DeliverLog);
            OpenClients.Add(this);
        }

        VmpClient(IntPtr unit)
        {
            id = unit;
            handle = new VmpClientHandle(unit);
            shared.Sender = this;
            OpenClients.Add(this);
        }

        /// <summary>A client acting for the named store of the config's "sales_units" ("" is the
        /// till's own): its payment calls carry that unit's MSN and keys; scanner, logs, journal and
        /// club calls act on this client. Dispose it when done; that leaves this client open.</summary>
        public VmpClient SalesUnit(string name)
        {
            IntPtr unit;
            VmpException.Check(NativeMethods.vmp_sales_unit(H, Required(name, "name"), out unit));
            return new VmpClient(unit);
        }

        /// <summary>Raised for every log record of the library, on the binding's log thread.</summary>
        public event EventHandler<LogEventArgs> LogReceived
        {
            add { lock (gate) shared.Log += value; }
            remove { lock (gate) shared.Log -= value; }
        }

        /// <summary>Raised for every scan event, on the binding's scan thread (started by the first
        /// subscriber, stopped when the last one leaves; without one, events wait for NextScan).</summary>
        public event EventHandler<ScanEventArgs> ScanReceived
        {
            add
            {
                lock (gate)
                {
                    CheckOpen();
                    shared.Scan += value;
                    if (scanPump == null) scanPump = new Pump("vmp-scans", id, TakeScan, shared.DeliverScan);
                }
            }
            remove
            {
                Pump stopped = null;
                lock (gate)
                {
                    shared.Scan -= value;
                    if (shared.Scan == null && scanPump != null) { stopped = scanPump; scanPump = null; }
                }
                if (stopped != null) { stopped.Stop(); stopped.Join(); }
            }
        }

        /// <summary>Whether records also go to System.Diagnostics.Trace (default true).</summary>
        public bool TraceLogRecords
        {
            get { return shared.TraceRecords; }
            set { shared.TraceRecords = value; }
        }

        /// <summary>The embedded simulator's base URL (its /sim control API), e.g.
        /// "http://127.0.0.1:41234"; null when the client talks to Vipps. Asked of the library
        /// (vmp_simulator_url), so it does not depend on log_level.</summary>
        public string SimulatorUrl
        {
            get
            {
                var url = new byte[NativeMethods.SimulatorUrlSize];
                VmpException.Check(NativeMethods.vmp_simulator_url(H, url, Size(url.Length)));
                string s = Utf8.FromBuffer(url);
                return s.Length == 0 ? null : s;
            }
        }

        public bool IsDisposed { get { return disposed != 0; } }

        /// <summary>Closes the client: calls in progress on other threads return promptly, the
        /// binding's threads end. Idempotent.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            Pump a, b;
            lock (gate) { a = logPump; b = scanPump; logPump = scanPump = null; }
            if (a != null) a.Stop();
            if (b != null) b.Stop();
            handle.Dispose(); // vmp_close: ends the pumps' waits at once
            if (a != null) a.Join();
            if (b != null) b.Join();
        }

        IntPtr H
        {
            get
            {
                CheckOpen();
                return id;
            }
        }

        void CheckOpen()
        {
            if (disposed != 0) throw new ObjectDisposedException("VmpClient");
        }

        static UIntPtr Size(int n) { return new UIntPtr((uint)n); }

        static byte[] Required(string value, string name)
        {
            if (value == null) throw new ArgumentNullException(name);
            return Utf8.ToNative(value);
        }

        // ---- payments ----

        /// <summary>Sends a push payment request and returns the payment's reference. checkoutJson is
        /// the checkout object of vmp.h ({"amount": 49900, "phone_number": "4791234567", ...}).</summary>
        public string StartCheckout(string checkoutJson)
        {
            var reference = new byte[NativeMethods.ReferenceSize];
            int st = NativeMethods.vmp_start_checkout(H, Required(checkoutJson, "checkoutJson"), reference, Size(reference.Length));
            string r = Utf8.FromBuffer(reference);
            VmpException.Check(st, null, r.Length > 0 ? r : null);
            return r;
        }

        /// <summary>StartCheckout for a phone number (or personal QR) and an amount in minor units.</summary>
        public string Checkout(long amount, string phoneNumber = null, string personalQr = null, string description = null,
                               string reference = null, IDictionary<string, object> more = null)
        {
            var d = new Dictionary<string, object> { { "amount", amount } };
            if (phoneNumber != null) d["phone_number"] = phoneNumber;
            if (personalQr != null) d["personal_qr"] = personalQr;
            if (description != null) d["description"] = description;
            if (reference != null) d["reference"] = reference;
            if (more != null) foreach (var kv in more) d[kv.Key] = kv.Value;
            return StartCheckout(Json.Write(d));
        }

        /// <summary>The payment's state; with a wait (at most 10 minutes) returns as soon as it is final.
        /// While it waits, the calling thread does not keep the process alive (Waiting).</summary>
        public Payment PollStatus(string reference, TimeSpan wait = default(TimeSpan))
        {
            var p = Payment.NewNative();
            IntPtr h = H;
            byte[] r = Required(reference, "reference");
            int ms = WaitMs(wait);
            int st;
            bool flipped = Waiting.Enter(ms);
            try { st = NativeMethods.vmp_poll_status(h, r, ms, p); }
            finally { Waiting.Leave(flipped); }
            if (Waiting.EndedByExit(st)) Waiting.Park();
            VmpException.Check(st);
            return Payment.FromNative(p);
        }

        public Payment Capture(string reference, long amount, string operationId = null)
        {
            var p = Payment.NewNative();
            return Moved(NativeMethods.vmp_capture(H, Required(reference, "reference"), amount, Utf8.ToNative(operationId), p), p);
        }

        public Payment Refund(string reference, long amount, string operationId = null)
        {
            var p = Payment.NewNative();
            return Moved(NativeMethods.vmp_refund(H, Required(reference, "reference"), amount, Utf8.ToNative(operationId), p), p);
        }

        /// <summary>Cancels the payment; with transactionOnly only if the customer has not approved yet
        /// (VmpAlreadyAuthorizedException with the payment otherwise).</summary>
        public Payment Cancel(string reference, bool transactionOnly = false, string operationId = null)
        {
            var p = Payment.NewNative();
            return Moved(NativeMethods.vmp_cancel(H, Required(reference, "reference"), transactionOnly ? NativeMethods.CancelTransactionOnly : 0,
                Utf8.ToNative(operationId), p), p);
        }

        static Payment Moved(int st, byte[] p)
        {
            if (st == (int)VmpStatus.AlreadyAuthorized || st == (int)VmpStatus.CaptureMismatch)
                throw VmpException.FromStatus(st, Payment.FromNative(p));
            VmpException.Check(st);
            return Payment.FromNative(p);
        }

        static int WaitMs(TimeSpan wait)
        {
            double ms = Math.Round(wait.TotalMilliseconds);
            return ms > int.MaxValue ? int.MaxValue : ms < int.MinValue ? int.MinValue : (int)ms;
        }

        // ---- the journal ----

        public PendingReport Pending()
        {
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_pending(H, out json));
            var d = (Dictionary<string, object>)Json.Parse(Utf8.Take(json));
            object j;
            var journal = d.TryGetValue("journal", out j) ? j as Dictionary<string, object> : null;
            object isNew = null, since = null;
            if (journal != null)
            {
                journal.TryGetValue("new", out isNew);
                journal.TryGetValue("new_since", out since);
            }
            return new PendingReport
            {
                Open = PendingOperation.ListFrom(d, "open"), Unacknowledged = PendingOperation.ListFrom(d, "unacknowledged"),
                JournalNew = isNew is bool && (bool)isNew, JournalNewSince = since as string ?? "",
                Uncaptured = Records(d, "uncaptured"),
                Ledger = d.TryGetValue("ledger", out j) ? j as Dictionary<string, object> : null,
            };
        }

        public RecoveryReport Recover(TimeSpan wait)
        {
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_recover(H, WaitMs(wait), out json));
            var d = (Dictionary<string, object>)Json.Parse(Utf8.Take(json));
            return new RecoveryReport { Resolved = PendingOperation.ListFrom(d, "resolved"), StillOpen = PendingOperation.ListFrom(d, "still_open"),
                Uncaptured = Records(d, "uncaptured") };
        }

        static IList<Dictionary<string, object>> Records(Dictionary<string, object> d, string key)
        {
            object v;
            var list = new List<Dictionary<string, object>>();
            if (d.TryGetValue(key, out v) && v is List<object>)
                foreach (var e in (List<object>)v)
                    if (e is Dictionary<string, object>) list.Add((Dictionary<string, object>)e);
            return list;
        }

        // ---- finding payments ----

        /// <summary>Finds payments (vmp_find_payments): queryJson as vmp.h documents it, e.g.
        /// {"receipt_number":"Z-42"} or {"date":"2026-12-05","source":"chain"}. Returns the parsed answer:
        /// "payments" (records, newest first), "truncated", "units" (msn to sales unit name).</summary>
        public Dictionary<string, object> FindPayments(string queryJson)
        {
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_find_payments(H, Required(queryJson ?? "{}", "queryJson"), out json));
            return (Dictionary<string, object>)Json.Parse(Utf8.Take(json));
        }

        /// <summary>A day's totals per store and currency (vmp_payment_totals): queryJson e.g.
        /// {"date":"2026-12-05"}; "{}" is today. Returns "from", "to", "totals".</summary>
        public Dictionary<string, object> PaymentTotals(string queryJson)
        {
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_payment_totals(H, Required(queryJson ?? "{}", "queryJson"), out json));
            return (Dictionary<string, object>)Json.Parse(Utf8.Take(json));
        }

        public void Acknowledge(string operation)
        {
            VmpException.Check(NativeMethods.vmp_acknowledge(H, Required(operation, "operation")));
        }

        // ---- the scanner ----

        public void SubmitScan(string text)
        {
            VmpException.Check(NativeMethods.vmp_submit_scan(H, Required(text, "text")));
        }

        /// <summary>The next scan event, waiting up to wait; null when none came. While it waits, the
        /// calling thread does not keep the process alive (Waiting).</summary>
        public Scan NextScan(TimeSpan wait = default(TimeSpan))
        {
            IntPtr h = H;
            int ms = WaitMs(wait);
            bool flipped = Waiting.Enter(ms);
            try { return (Scan)TakeScan(h, ms); }
            catch (VmpClientClosedException e) when (Waiting.EndedByExit((int)e.Status)) { }
            finally { Waiting.Leave(flipped); }
            Waiting.Park(); // only when the exit ended the wait
            return null;
        }

        static object TakeScan(IntPtr h, int waitMs)
        {
            var s = new NativeScan { StructSize = (uint)Marshal.SizeOf(typeof(NativeScan)) };
            int size = 1025;
            for (int attempt = 0; attempt < 2; attempt++)
            {
                var text = new byte[size];
                int st = NativeMethods.vmp_next_scan(h, waitMs, ref s, text, Size(size));
                if (st == (int)VmpStatus.BufferTooSmall && (ulong)size < s.TextLen.ToUInt64() + 1)
                {
                    size = (int)s.TextLen.ToUInt64() + 1; // the event stays queued: take it with a buffer that fits
                    waitMs = 0;
                    continue;
                }
                VmpException.Check(st);
                if (s.Event == (int)ScanEvent.None) return null;
                var bytes = new byte[(int)s.TextLen.ToUInt64()];
                Array.Copy(text, bytes, bytes.Length);
                return new Scan
                {
                    Event = (ScanEvent)s.Event, Kind = (CodeKind)s.Kind, Source = (ScanSource)s.Source, Sequence = s.Sequence,
                    Time = DateTimeOffset.FromUnixTimeMilliseconds(s.TimeUnixMs),
                    AimId = Utf8.FromBuffer(BitConverter.GetBytes(s.AimId)), Bytes = bytes,
                };
            }
            throw new InvalidOperationException("a scan event did not fit a buffer of its own size");
        }

        static object TakeLog(IntPtr h, int waitMs)
        {
            var r = new NativeLogRecord { StructSize = (uint)Marshal.SizeOf(typeof(NativeLogRecord)) };
            var text = new byte[NativeMethods.LogTextSize];
            VmpException.Check(NativeMethods.vmp_next_log(h, waitMs, ref r, text, Size(text.Length)));
            if (r.Level == (int)LogLevel.None) return null;
            IDictionary<string, object> fields;
            try { fields = (IDictionary<string, object>)Json.Parse(Utf8.FromNative(r.FieldsJson)); }
            catch (FormatException) { fields = new Dictionary<string, object>(); }
            return new LogRecord
            {
                Level = (LogLevel)r.Level, Sequence = r.Sequence, Time = DateTimeOffset.FromUnixTimeMilliseconds(r.TimeUnixMs),
                Component = Utf8.FromNative(r.Component), Message = Utf8.FromNative(r.Message), Fields = fields,
            };
        }

        // ---- customer club ----

        /// <summary>The phone number (MSISDN) behind a scanned personal QR or a typed number.</summary>
        public string IdentifyCustomer(string input)
        {
            var msisdn = new byte[NativeMethods.MsisdnSize];
            VmpException.Check(NativeMethods.vmp_identify_customer(H, Required(input, "input"), msisdn, Size(msisdn.Length)));
            return Utf8.FromBuffer(msisdn);
        }

        public void LoyaltyCheckIn(string phoneNumber, bool isMember)
        {
            VmpException.Check(NativeMethods.vmp_loyalty_check_in(H, Required(phoneNumber, "phoneNumber"), isMember ? 1 : 0));
        }

        /// <summary>Sends a consent request; enrollmentJson is the enrollment object of vmp.h.</summary>
        public string StartEnrollment(string enrollmentJson)
        {
            var eid = new byte[NativeMethods.EnrollmentIdSize];
            VmpException.Check(NativeMethods.vmp_start_enrollment(H, Required(enrollmentJson, "enrollmentJson"), eid, Size(eid.Length)));
            return Utf8.FromBuffer(eid);
        }

        /// <summary>Where the enrollment stands; with a wait returns as soon as it is final. While it
        /// waits, the calling thread does not keep the process alive (Waiting).</summary>
        public Enrollment PollEnrollment(string enrollmentId, TimeSpan wait = default(TimeSpan))
        {
            int state;
            IntPtr profile;
            IntPtr h = H;
            byte[] eid = Required(enrollmentId, "enrollmentId");
            int ms = WaitMs(wait);
            int st;
            bool flipped = Waiting.Enter(ms);
            try { st = NativeMethods.vmp_poll_enrollment(h, eid, ms, out state, out profile); }
            finally { Waiting.Leave(flipped); }
            if (Waiting.EndedByExit(st)) Waiting.Park();
            VmpException.Check(st);
            string json = Utf8.Take(profile);
            return new Enrollment { Id = enrollmentId, State = (EnrollmentState)state,
                Profile = json == null ? null : (IDictionary<string, object>)Json.Parse(json) };
        }

        public void CancelEnrollment(string enrollmentId)
        {
            VmpException.Check(NativeMethods.vmp_cancel_enrollment(H, Required(enrollmentId, "enrollmentId")));
        }

        // ---- receipts and the customer-facing QR ----

        /// <summary>The QR code of a checkout made with "flow": "qr", drawn locally.</summary>
        public byte[] CheckoutQr(string reference, QrFormat format = QrFormat.Svg, int sizePx = 256)
        {
            IntPtr data;
            UIntPtr len;
            VmpException.Check(NativeMethods.vmp_checkout_qr(H, Required(reference, "reference"), (int)format, sizePx, out data, out len));
            try
            {
                var bytes = new byte[(int)len.ToUInt64()];
                if (bytes.Length > 0) Marshal.Copy(data, bytes, 0, bytes.Length);
                return bytes;
            }
            finally { NativeMethods.vmp_free(data); }
        }

        public void AttachReceipt(string reference, string receiptJson)
        {
            VmpException.Check(NativeMethods.vmp_attach_receipt(H, Required(reference, "reference"), Required(receiptJson, "receiptJson")));
        }

        /// <summary>The payment's event log as Vipps keeps it, read now, oldest first: each a
        /// dictionary with name (CREATED, AUTHORIZED, CAPTURED, ...), amount {currency, value},
        /// timestamp, pspReference, idempotencyKey and success.</summary>
        public IList<IDictionary<string, object>> PaymentEvents(string reference)
        {
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_payment_events(H, Required(reference, "reference"), out json));
            var list = new List<IDictionary<string, object>>();
            foreach (var e in (List<object>)Json.Parse(Utf8.Take(json))) list.Add((IDictionary<string, object>)e);
            return list;
        }

        /// <summary>What looked wrong in the receipt last sent for the payment (with its checkout
        /// or AttachReceipt) and was sent anyway; empty when nothing did, or no receipt was sent.</summary>
        public IList<string> ReceiptWarnings(string reference)
        {
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_receipt_warnings(H, Required(reference, "reference"), out json));
            var list = new List<string>();
            foreach (var w in (List<object>)Json.Parse(Utf8.Take(json))) list.Add((string)w);
            return list;
        }
    }
}
