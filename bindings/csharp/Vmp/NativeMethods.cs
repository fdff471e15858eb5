// NativeMethods.cs - every vmp_* function of include/vmp.h as a cdecl P/Invoke. Strings go in
// as NUL-terminated UTF-8 byte arrays and come out as IntPtr read by Utf8.FromNative, so UTF-8 is
// kept both ways on .NET Framework 4.6.2 (which has no UnmanagedType.LPUTF8Str) and .NET 6+.
// Tests/Tests.cs fails when vmp.h declares a function that is missing here.
using System;
using System.Runtime.InteropServices;

namespace Vmp
{
    /// <summary>vmp_scan, field by field; blittable, laid out like the C struct on every platform.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeScan
    {
        public uint StructSize;
        public int Event;
        public int Kind;
        public int Source;
        public ulong Sequence;
        public long TimeUnixMs;
        public uint AimId; // char aim_id[4]
        public UIntPtr TextLen;
        public IntPtr Text;
    }

    /// <summary>vmp_log_record, field by field.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeLogRecord
    {
        public uint StructSize;
        public int Level;
        public ulong Sequence;
        public long TimeUnixMs;
        public IntPtr Component;
        public IntPtr Message;
        public IntPtr FieldsJson;
        public UIntPtr TextLen;
    }

    /// <summary>vmp_webhook_delivery, field by field; the strings and the body are pinned for the
    /// call (WebhookDelivery).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeWebhookDelivery
    {
        public uint StructSize;
        public IntPtr Method;
        public IntPtr PathAndQuery;
        public IntPtr Host;
        public IntPtr XMsDate;
        public IntPtr XMsContentSha256;
        public IntPtr Authorization;
        public IntPtr Body;
        public UIntPtr BodyLen;
    }

    /// <summary>The callback types of vmp.h. The binding never registers one: a callback would run
    /// managed code on a Go thread (Mono hangs at exit after that); it pulls instead.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void ScanCallback(IntPtr userData, IntPtr scan);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate void LogCallback(IntPtr userData, IntPtr record);

    internal static class NativeMethods
    {
        internal const string Library = "vmp"; // libvmp.so, vmp.dll
        internal const int PaymentSize = 208;   // sizeof(vmp_payment), the same on every platform
        internal const int VippsErrorSize = 424; // sizeof(vmp_vipps_error), the same on every platform
        internal const int ReferenceSize = Abi.ReferenceSize;
        internal const int MsisdnSize = Abi.MsisdnSize;
        internal const int EnrollmentIdSize = Abi.EnrollmentIdSize;
        internal const int LogTextSize = Abi.LogTextSize;
        internal const uint CancelTransactionOnly = Abi.CancelTransactionOnly;
        internal const int SimulatorUrlSize = Abi.SimulatorUrlSize;

        /// <summary>Functions declared here that VmpClient deliberately does not call, and why.</summary>
        internal static readonly string[][] Unwrapped =
        {
            new[] { "vmp_on_scan", "a callback would run managed code on a Go thread; scans are pulled with vmp_next_scan on a binding thread" },
            new[] { "vmp_on_log", "a callback would run managed code on a Go thread; records are pulled with vmp_next_log on a binding thread" },
        };

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vmp_version();
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vmp_status_str(int status);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vmp_state_str(int state);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vmp_last_error();
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_last_vipps_error(byte[] answer);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern void vmp_free(IntPtr ptr);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_init(byte[] configJson, out IntPtr client);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_close(IntPtr client);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_simulator_url(IntPtr client, byte[] url, UIntPtr urlSize);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_start_checkout(IntPtr client, byte[] checkoutJson, byte[] reference, UIntPtr referenceSize);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_poll_status(IntPtr client, byte[] reference, int waitMs, byte[] payment);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_capture(IntPtr client, byte[] reference, long amount, byte[] operationId, byte[] payment);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_refund(IntPtr client, byte[] reference, long amount, byte[] operationId, byte[] payment);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_cancel(IntPtr client, byte[] reference, uint flags, byte[] operationId, byte[] payment);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_pending(IntPtr client, out IntPtr outJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_recover(IntPtr client, int waitMs, out IntPtr outJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_acknowledge(IntPtr client, byte[] operation);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_find_payments(IntPtr client, byte[] queryJson, out IntPtr outJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_payment_totals(IntPtr client, byte[] queryJson, out IntPtr outJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_on_scan(IntPtr client, ScanCallback fn, IntPtr userData);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_next_scan(IntPtr client, int waitMs, ref NativeScan scan, byte[] text, UIntPtr textSize);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_submit_scan(IntPtr client, byte[] text);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vmp_scan_event_str(int scanEvent);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vmp_code_kind_str(int kind);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vmp_enrollment_state_str(int state);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_identify_customer(IntPtr client, byte[] input, byte[] msisdn, UIntPtr msisdnSize);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_loyalty_check_in(IntPtr client, byte[] phoneNumber, int isMember);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_start_enrollment(IntPtr client, byte[] enrollmentJson, byte[] enrollmentId, UIntPtr enrollmentIdSize);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_poll_enrollment(IntPtr client, byte[] enrollmentId, int waitMs, out int state, out IntPtr profileJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_cancel_enrollment(IntPtr client, byte[] enrollmentId);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_checkout_qr(IntPtr client, byte[] reference, int format, int sizePx, out IntPtr data, out UIntPtr length);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_attach_receipt(IntPtr client, byte[] reference, byte[] receiptJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_receipt_warnings(IntPtr client, byte[] reference, out IntPtr outJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_payment_events(IntPtr client, byte[] reference, out IntPtr outJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_on_log(IntPtr client, LogCallback fn, IntPtr userData);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_next_log(IntPtr client, int waitMs, ref NativeLogRecord record, byte[] text, UIntPtr textSize);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern IntPtr vmp_log_level_str(int level);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_sales_unit(IntPtr client, byte[] name, out IntPtr unit);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_webhook_verify(byte[] secret, ref NativeWebhookDelivery delivery, int maxAgeS);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_webhook_handle(IntPtr client, ref NativeWebhookDelivery delivery);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_webhook_receiver(IntPtr client, out IntPtr outJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_webhook_register(IntPtr client, byte[] webhookJson, out IntPtr outJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_webhook_list(IntPtr client, out IntPtr outJson);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_webhook_delete(IntPtr client, byte[] id);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int vmp_webhook_reconcile(IntPtr client, byte[] wantedJson, out IntPtr outJson);
    }
}
