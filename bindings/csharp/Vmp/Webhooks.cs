// Webhooks.cs - webhook deliveries as the library takes them (vmp_webhook_delivery), verification
// of a delivery against a secret the host holds itself, and the webhook calls of VmpClient.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Vmp
{
    /// <summary>One delivery as the host's web server received it. PathAndQuery and Host are those
    /// Vipps addressed (the registered URL's); Headers are looked up case-insensitively.</summary>
    public sealed class WebhookDelivery
    {
        public string Method = "POST";
        public string PathAndQuery;
        public string Host;
        public IDictionary<string, string> Headers = new Dictionary<string, string>();
        public byte[] Body = new byte[0];

        string Header(string name)
        {
            foreach (var kv in Headers)
                if (string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)) return kv.Value;
            return null;
        }

        /// <summary>Runs call with the native struct, every string and the body pinned.</summary>
        internal int With(Func<NativeWebhookDelivery, int> call)
        {
            if (PathAndQuery == null) throw new ArgumentNullException("PathAndQuery");
            if (Host == null) throw new ArgumentNullException("Host");
            var parts = new[] { Utf8.ToNative(Method ?? "POST"), Utf8.ToNative(PathAndQuery), Utf8.ToNative(Host),
                Utf8.ToNative(Header("x-ms-date")), Utf8.ToNative(Header("x-ms-content-sha256")),
                Utf8.ToNative(Header("authorization")), Body ?? new byte[0] };
            var pins = new GCHandle[parts.Length];
            try
            {
                var p = new IntPtr[parts.Length];
                for (int i = 0; i < parts.Length; i++)
                {
                    if (parts[i] == null) continue; // a missing header: NULL
                    pins[i] = GCHandle.Alloc(parts[i], GCHandleType.Pinned);
                    p[i] = pins[i].AddrOfPinnedObject();
                }
                var d = new NativeWebhookDelivery
                {
                    StructSize = (uint)Marshal.SizeOf(typeof(NativeWebhookDelivery)),
                    Method = p[0], PathAndQuery = p[1], Host = p[2], XMsDate = p[3], XMsContentSha256 = p[4],
                    Authorization = p[5], Body = parts[6].Length > 0 ? p[6] : IntPtr.Zero,
                    BodyLen = new UIntPtr((uint)parts[6].Length),
                };
                return call(d);
            }
            finally
            {
                foreach (var h in pins) if (h.IsAllocated) h.Free();
            }
        }
    }

    /// <summary>Verification of a delivery against a secret the host holds itself.</summary>
    public static class VmpWebhooks
    {
        /// <summary>Verifies a delivery as Vipps signs it (HMAC-SHA256 with the secret's UTF-8 bytes
        /// over the method, path and query, x-ms-date, host and the body's SHA-256), and with
        /// maxAgeSeconds &gt; 0 that x-ms-date is that recent. Throws VmpUnverifiedException.</summary>
        public static void Verify(string secret, WebhookDelivery delivery, int maxAgeSeconds = 0)
        {
            if (secret == null) throw new ArgumentNullException("secret");
            if (delivery == null) throw new ArgumentNullException("delivery");
            Library.EnsureLoaded();
            byte[] s = Utf8.ToNative(secret);
            VmpException.Check(delivery.With(d => NativeMethods.vmp_webhook_verify(s, ref d, maxAgeSeconds)));
        }
    }

    public sealed partial class VmpClient
    {
        /// <summary>Hands in a delivery the host's own web server received: verified against the
        /// stored secrets and applied to its payment. Answer Vipps 2xx when it returns, 401 on
        /// VmpUnverifiedException, 400 on VmpInvalidArgumentException.</summary>
        public void HandleWebhook(WebhookDelivery delivery)
        {
            if (delivery == null) throw new ArgumentNullException("delivery");
            IntPtr h = H;
            VmpException.Check(delivery.With(d => NativeMethods.vmp_webhook_handle(h, ref d)));
        }

        /// <summary>The webhook set-up as parsed JSON: listening, address, url, secrets,
        /// registration and the delivery counters.</summary>
        public IDictionary<string, object> WebhookReceiver()
        {
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_webhook_receiver(H, out json));
            return (IDictionary<string, object>)Json.Parse(Utf8.Take(json));
        }

        /// <summary>Registers a webhook (events null: every ePayment event); its secret is stored
        /// in the journal, never returned.</summary>
        public IDictionary<string, object> RegisterWebhook(string url, IList<string> events = null)
        {
            if (url == null) throw new ArgumentNullException("url");
            var req = new Dictionary<string, object> { { "url", url } };
            if (events != null) req["events"] = new List<object>(events);
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_webhook_register(H, Utf8.ToNative(Json.Write(req)), out json));
            return (IDictionary<string, object>)Json.Parse(Utf8.Take(json));
        }

        /// <summary>The registrations at Vipps; "secret_stored": false marks an orphan.</summary>
        public IList<object> ListWebhooks()
        {
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_webhook_list(H, out json));
            return (IList<object>)Json.Parse(Utf8.Take(json));
        }

        public void DeleteWebhook(string id)
        {
            VmpException.Check(NativeMethods.vmp_webhook_delete(H, Required(id, "id")));
        }

        /// <summary>Makes the registrations equal to the wanted ones (null: the receiver's own),
        /// deleting duplicates and orphans.</summary>
        public IDictionary<string, object> ReconcileWebhooks(string wantedJson = null)
        {
            IntPtr json;
            VmpException.Check(NativeMethods.vmp_webhook_reconcile(H, Utf8.ToNative(wantedJson), out json));
            return (IDictionary<string, object>)Json.Parse(Utf8.Take(json));
        }
    }
}
