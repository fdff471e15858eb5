// VmpException.cs - one exception type carrying the status and vmp_last_error(), with a subclass
// where a caller would branch (the same as the Python binding's).
using System;

namespace Vmp
{
    /// <summary>A vmp call failed. Status is the vmp_status, StatusName its name
    /// ("VMP_ERR_REJECTED"), Detail the library's vmp_last_error() text (never holds secrets or full
    /// phone numbers). Payment is set where the status comes with one (AlreadyAuthorized,
    /// CaptureMismatch); Reference where a checkout may exist (UnknownOutcome) or was started
    /// instead (PushNotAllowed with push_fallback). What Vipps answered, when the failure carries
    /// an answer (vmp_last_vipps_error): HttpStatus (0: none), VippsErrorCode ("7010"),
    /// VippsTitle, TraceId (for Vipps' support); "" when absent. Branch on VippsErrorCode, not
    /// on Detail.</summary>
    public class VmpException : Exception
    {
        public VmpException(VmpStatus status, string statusName, string detail, Payment payment = null, string reference = null)
            : base(string.IsNullOrEmpty(detail) ? statusName : statusName + ": " + detail)
        {
            Status = status;
            StatusName = statusName;
            Detail = detail;
            Payment = payment;
            Reference = reference;
        }

        public VmpStatus Status { get; private set; }
        public string StatusName { get; private set; }
        public string Detail { get; private set; }
        public Payment Payment { get; private set; }
        public string Reference { get; private set; }
        public int HttpStatus { get; private set; }
        public string VippsErrorCode { get; private set; }
        public string VippsTitle { get; private set; }
        public string TraceId { get; private set; }

        /// <summary>Reads the calling thread's vmp_last_vipps_error (offsets fixed by vmp.h and
        /// checked by tests/c/header_test.c) into e; plain C, it leaves the last error alone.</summary>
        static VmpException WithVippsAnswer(VmpException e)
        {
            var b = new byte[NativeMethods.VippsErrorSize];
            BitConverter.GetBytes((uint)b.Length).CopyTo(b, 0);
            e.VippsErrorCode = e.VippsTitle = e.TraceId = "";
            if (NativeMethods.vmp_last_vipps_error(b) != 0) return e;
            e.HttpStatus = BitConverter.ToInt32(b, 4);
            e.VippsErrorCode = Utf8.FromBuffer(b, 8, Abi.VippsErrorCodeSize);
            e.VippsTitle = Utf8.FromBuffer(b, 40, Abi.VippsTitleSize);
            e.TraceId = Utf8.FromBuffer(b, 296, Abi.VippsTraceIdSize);
            return e;
        }

        /// <summary>The exception for a failed call, with the calling thread's vmp_last_error().</summary>
        internal static VmpException FromStatus(int status, Payment payment = null, string reference = null)
        {
            return WithVippsAnswer(ForStatus(status, payment, reference));
        }

        static VmpException ForStatus(int status, Payment payment, string reference)
        {
            string detail = Utf8.FromNative(NativeMethods.vmp_last_error()); // same thread, first
            string name = Utf8.FromNative(NativeMethods.vmp_status_str(status));
            var s = (VmpStatus)status;
            switch (s)
            {
                case VmpStatus.InvalidArgument:
                case VmpStatus.BufferTooSmall:
                case VmpStatus.InvalidJson:
                case VmpStatus.InvalidConfig:
                case VmpStatus.InvalidAmount:
                case VmpStatus.InvalidReference:
                case VmpStatus.InvalidCustomer:
                    return new VmpInvalidArgumentException(s, name, detail);
                case VmpStatus.InvalidHandle: return new VmpClientClosedException(s, name, detail);
                case VmpStatus.Rejected: return new VmpRejectedException(s, name, detail);
                case VmpStatus.CustomerNotFound: return new VmpCustomerNotFoundException(s, name, detail);
                case VmpStatus.PushNotAllowed: return new VmpPushNotAllowedException(s, name, detail, reference);
                case VmpStatus.UnknownOutcome: return new VmpUnknownOutcomeException(s, name, detail, reference);
                case VmpStatus.AlreadyAuthorized: return new VmpAlreadyAuthorizedException(s, name, detail, payment);
                case VmpStatus.CaptureMismatch: return new VmpCaptureMismatchException(s, name, detail, payment);
                case VmpStatus.Unverified: return new VmpUnverifiedException(s, name, detail);
                case VmpStatus.NewJournal: return new VmpNewJournalException(s, name, detail);
                // Forked (a process forked after vmp was loaded) and InCallback (vmp_close from a
                // callback) have no subclass: a .NET process does not fork, and the binding
                // registers no callbacks (it pulls scans and records on its own threads).
                default: return new VmpException(s, name, detail, payment, reference);
            }
        }

        internal static void Check(int status, Payment payment = null, string reference = null)
        {
            if (status != 0) throw FromStatus(status, payment, reference);
        }
    }

    /// <summary>The call was wrong (value, JSON, config, amount, reference, customer); nothing was sent.</summary>
    public class VmpInvalidArgumentException : VmpException
    {
        public VmpInvalidArgumentException(VmpStatus s, string n, string d) : base(s, n, d) { }
    }

    /// <summary>The client was closed while the call was made (VMP_ERR_INVALID_HANDLE).</summary>
    public class VmpClientClosedException : VmpException
    {
        public VmpClientClosedException(VmpStatus s, string n, string d) : base(s, n, d) { }
    }

    /// <summary>Vipps refused the operation; the detail names its ErrorCode. Do not retry unchanged.</summary>
    public class VmpRejectedException : VmpException
    {
        public VmpRejectedException(VmpStatus s, string n, string d) : base(s, n, d) { }
    }

    /// <summary>The customer cannot pay or log in with Vipps MobilePay (at checkout Vipps'
    /// ErrorCode 7010: unknown number, cannot pay businesses, under age). Ask for another means of
    /// payment; do not tell the customer the number is wrong.</summary>
    public class VmpCustomerNotFoundException : VmpRejectedException
    {
        public VmpCustomerNotFoundException(VmpStatus s, string n, string d) : base(s, n, d) { }
    }

    /// <summary>The sales unit may not send push requests (Vipps' ErrorCode 5080). With
    /// "push_fallback": "qr" in the config a QR checkout was started instead: Reference is its
    /// reference - show CheckoutQr(Reference) on the customer display and poll it as any payment.
    /// Without the fallback Reference is null and no payment exists.</summary>
    public class VmpPushNotAllowedException : VmpException
    {
        public VmpPushNotAllowedException(VmpStatus s, string n, string d, string reference) : base(s, n, d, null, reference) { }
    }

    /// <summary>Sent, but no answer came: it may have happened. Ask for the status, or repeat the
    /// call with the same operation id - never with a new one.</summary>
    public class VmpUnknownOutcomeException : VmpException
    {
        public VmpUnknownOutcomeException(VmpStatus s, string n, string d, string reference) : base(s, n, d, null, reference) { }
    }

    /// <summary>A transaction-only cancel lost the race: Payment is the AUTHORIZED payment.</summary>
    public class VmpAlreadyAuthorizedException : VmpException
    {
        public VmpAlreadyAuthorizedException(VmpStatus s, string n, string d, Payment p) : base(s, n, d, p) { }
    }

    /// <summary>The capture happened, but Vipps' captured amount differs from this till's; Payment is Vipps' view.</summary>
    public class VmpCaptureMismatchException : VmpException
    {
        public VmpCaptureMismatchException(VmpStatus s, string n, string d, Payment p) : base(s, n, d, p) { }
    }

    /// <summary>A webhook delivery failed verification (signature, content hash, date or a missing
    /// header); nothing was changed. Answer the delivery 401.</summary>
    /// <summary>The journal is new: a capture, refund or cancel without an operation id on a
    /// payment it does not know was refused (it could repeat a call of a lost journal). Use an
    /// operation id, or Acknowledge("new-journal") once no journal was lost.</summary>
    public class VmpNewJournalException : VmpException
    {
        public VmpNewJournalException(VmpStatus s, string n, string d) : base(s, n, d) { }
    }

    public class VmpUnverifiedException : VmpException
    {
        public VmpUnverifiedException(VmpStatus s, string n, string d) : base(s, n, d) { }
    }
}
