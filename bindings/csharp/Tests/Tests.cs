// Tests.cs - the C# binding against the real library and its embedded simulator: every function,
// every error path, dispose twice, use after dispose, null arguments, the completeness of the
// binding against vmp.h, loading a library for another architecture, and (with "stress") 16
// threads paying and scanning at once with GC.Collect in between. Prints one line per check and
// "N passed, M failed"; exit status 1 on any failure.
//
// Usage: mono VmpTests.exe <repo root> [stress <seconds>] [load] [exit-runs <times>]
// (exit-runs: the exit scenarios, each run <times> times in its own process, as make host-stress does)
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading;
using Vmp;

static class Tests
{
    static int passed, failed;
    static string repo;
    const string Phone = "4791234567";
    const string Fast = "{\"simulator\": {\"approve_delay_ms\": 0}}";

    static void Check(bool ok, string what)
    {
        lock (typeof(Tests))
        {
            Console.WriteLine((ok ? "ok   " : "FAIL ") + what);
            if (ok) passed++; else failed++;
        }
    }

    static void Throws<T>(Action a, string what, Func<T, bool> also = null) where T : Exception
    {
        try { a(); Check(false, what + ": nothing thrown"); }
        catch (T e) { Check(also == null || also(e), what + ": " + e.GetType().Name + " " + e.Message); }
        catch (Exception e) { Check(false, what + ": " + e.GetType().Name + " " + e.Message); }
    }

    static void Run(string name, Action test)
    {
        try { test(); }
        catch (Exception e) { Check(false, name + " threw " + e); }
    }

    static string Sim(string baseUrl, string method, string path, string body = null)
    {
        if (!baseUrl.StartsWith("http://127.0.0.1:")) throw new InvalidOperationException(baseUrl);
        // Mono's HttpWebRequest still fails now and then before the request is on the wire
        // ("Error writing headers ... Operation aborted", on a loaded machine, 1 make test in
        // ~10): such a control call is made again. A failure with an HTTP status is not.
        for (int attempt = 1; ; attempt++)
        {
            try { return SimOnce(baseUrl, method, path, body); }
            catch (WebException e) when (e.Status != WebExceptionStatus.ProtocolError && attempt < 3)
            {
                Console.Error.WriteLine("# simulator control call " + method + " " + path + " failed (" + e.Message + "); made again");
                System.Threading.Thread.Sleep(200);
            }
        }
    }

    static string SimOnce(string baseUrl, string method, string path, string body)
    {
        var req = (HttpWebRequest)WebRequest.Create(baseUrl + path);
        req.Method = method;
        req.Timeout = 10000;
        // A fresh connection per control call: Mono reused a pooled one the simulator had
        // closed and failed with "Error writing headers" (1 run in 6).
        req.KeepAlive = false;
        if (body != null)
        {
            var b = System.Text.Encoding.UTF8.GetBytes(body);
            req.ContentType = "application/json";
            using (var s = req.GetRequestStream()) s.Write(b, 0, b.Length);
        }
        using (var resp = (HttpWebResponse)req.GetResponse())
        using (var r = new StreamReader(resp.GetResponseStream())) return r.ReadToEnd();
    }

    static long Aggregate(string baseUrl, string reference, string name)
    {
        var rec = (Dictionary<string, object>)Json.Parse(Sim(baseUrl, "GET", "/sim/payments/" + reference));
        var agg = (Dictionary<string, object>)rec["aggregate"];
        return (long)((Dictionary<string, object>)agg[name])["value"];
    }

    // ---- completeness -------------------------------------------------------------------------------

    internal static List<string> Declared(string header)
    {
        var re = new Regex(@"VMP_API[^;{}()]*VMP_CALL\s+(vmp_[A-Za-z0-9_]+)\s*\(");
        return re.Matches(header.Replace('\n', ' ')).Cast<Match>().Select(m => m.Groups[1].Value).Distinct().OrderBy(x => x).ToList();
    }

    internal static List<string> Missing(string header, ICollection<string> bound, string sources, ICollection<string> unwrapped)
    {
        return Declared(header).Where(n => !bound.Contains(n) ||
            !(Regex.IsMatch(sources, @"NativeMethods\." + n + @"\(") || unwrapped.Contains(n))).ToList();
    }

    static void Completeness()
    {
        string header = File.ReadAllText(Path.Combine(repo, "include", "vmp.h"));
        var nm = typeof(VmpClient).Assembly.GetType("Vmp.NativeMethods");
        var bound = new HashSet<string>(nm.GetMethods(BindingFlags.Static | BindingFlags.NonPublic)
            .Where(m => (m.Attributes & MethodAttributes.PinvokeImpl) != 0).Select(m => m.Name));
        var unwrapped = new HashSet<string>(((string[][])nm.GetField("Unwrapped", BindingFlags.Static | BindingFlags.NonPublic).GetValue(null)).Select(u => u[0]));
        string sources = string.Join("\n", Directory.GetFiles(Path.Combine(repo, "bindings", "csharp", "Vmp"), "*.cs").Select(File.ReadAllText));
        var missing = Missing(header, bound, sources, unwrapped);
        Check(missing.Count == 0, "every function of vmp.h is bound and wrapped; missing: " + string.Join(", ", missing));
        Check(bound.All(b => Declared(header).Contains(b)), "the binding declares nothing vmp.h lacks");
        var withExtra = Missing(header + "\nVMP_API vmp_status VMP_CALL vmp_future_thing(vmp_client *c);\n", bound, sources, unwrapped);
        Check(withExtra.Contains("vmp_future_thing"), "a function added to vmp.h is reported missing");
        var unused = Missing(header, bound, sources.Replace("NativeMethods.vmp_identify_customer(", "NativeMethods.renamed("), unwrapped);
        Check(unused.Contains("vmp_identify_customer"), "a bound but unused function is reported missing");

        var inHeader = HeaderStatuses(header);
        var inEnum = Enum.GetValues(typeof(VmpStatus)).Cast<VmpStatus>().ToDictionary(StatusName, v => (int)v);
        var differ = inHeader.Where(kv => !inEnum.ContainsKey(kv.Key) || inEnum[kv.Key] != kv.Value).Select(kv => kv.Key + "=" + kv.Value)
            .Concat(inEnum.Where(kv => !inHeader.ContainsKey(kv.Key)).Select(kv => "VmpStatus." + kv.Key)).ToList();
        Check(inHeader.Count > 20 && differ.Count == 0, "VmpStatus is vmp.h's VMP_STATUS_LIST, both ways; differ: " + string.Join(", ", differ));
    }

    /// <summary>The statuses of vmp.h's VMP_STATUS_LIST: name -> value.</summary>
    internal static Dictionary<string, int> HeaderStatuses(string header)
    {
        return new Regex(@"X\((VMP_(?:OK|ERR_[A-Z0-9_]+)),\s*(\d+),").Matches(header).Cast<Match>()
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));
    }

    /// <summary>The vmp.h name of a VmpStatus: CaptureMismatch -> VMP_ERR_CAPTURE_MISMATCH.</summary>
    static string StatusName(VmpStatus s)
    {
        return s == VmpStatus.Ok ? "VMP_OK" : "VMP_ERR_" + Regex.Replace(s.ToString(), "(?<=[a-z0-9])([A-Z])", "_$1").ToUpperInvariant();
    }

    // ---- functional ---------------------------------------------------------------------------------

    static void Information()
    {
        var v = new Version(VmpInfo.Version);
        Check(v.Major == Library.BindingVersion.Major && v.Minor == Library.BindingVersion.Minor, "library version " + VmpInfo.Version);
        Check(VmpInfo.StatusName((int)VmpStatus.Rejected) == "VMP_ERR_REJECTED", "status names");
        foreach (VmpStatus s in Enum.GetValues(typeof(VmpStatus)))
            if (VmpInfo.StatusName((int)s) != StatusName(s)) Check(false, "status " + s + " unknown to the library: " + VmpInfo.StatusName((int)s));
        Check(VmpInfo.StateName((int)PaymentState.Authorized) == "AUTHORIZED" && VmpInfo.ScanEventName(1) == "CODE" &&
              VmpInfo.CodeKindName((int)CodeKind.Ean13) == "EAN13" && VmpInfo.EnrollmentStateName(2) == "CONSENTED" &&
              VmpInfo.LogLevelName(3) == "WARN", "state, scan, kind, enrollment and level names");
    }

    static void Payments()
    {
        using (var c = new VmpClient(Fast))
        {
            var records = new List<LogRecord>();
            var threads = new HashSet<string>();
            c.LogReceived += (s, e) => { lock (records) { records.Add(e.Record); threads.Add(Thread.CurrentThread.Name); } };
            string reference = c.Checkout(10000, phoneNumber: Phone, description: "Café ☕ purchase");
            var p = c.PollStatus(reference, TimeSpan.FromSeconds(10));
            Check(p.State == PaymentState.Authorized && p.Reference == reference && p.Currency == "NOK", "checkout and poll: " + p);
            Check(c.Capture(reference, 6000, "receipt-1").Captured == 6000, "capture");
            Check(c.Capture(reference, 6000, "receipt-1").Captured == 6000, "the same operation id is the same capture");
            Check(c.Refund(reference, 1000, "return-1").Refunded == 1000, "refund");
            Check(c.Cancel(reference).Cancelled == 4000, "cancel releases the rest");
            Check(Aggregate(c.SimulatorUrl, reference, "capturedAmount") == 6000, "the simulator agrees");
            string r2 = c.Checkout(700, phoneNumber: Phone);
            c.PollStatus(r2, TimeSpan.FromSeconds(10));
            Throws<VmpAlreadyAuthorizedException>(() => c.Cancel(r2, transactionOnly: true), "transaction-only cancel after approval",
                e => e.Payment.State == PaymentState.Authorized);
            Throws<VmpCustomerNotFoundException>(() => c.Checkout(100, phoneNumber: "4790000003"), "Vipps refuses a non-user",
                e => e.Status == VmpStatus.CustomerNotFound && e.Detail.Length > 0 && !e.Message.Contains("4790000003"));
            Throws<VmpRejectedException>(() => c.Checkout(100, phoneNumber: "4790000003"), "Vipps' answer as properties",
                e => e.HttpStatus == 400 && e.VippsErrorCode == "7010" && e.VippsTitle == "Customer not found" &&
                     e.TraceId.StartsWith("00-") && e.Detail.Contains(e.TraceId));
            Throws<VmpInvalidArgumentException>(() => c.Checkout(0, phoneNumber: Phone), "no answer of Vipps in a failure vmp found",
                e => e.HttpStatus == 0 && e.VippsErrorCode == "" && e.TraceId == "");
            Throws<VmpInvalidArgumentException>(() => c.Checkout(0, phoneNumber: Phone), "amount 0", e => e.Status == VmpStatus.InvalidAmount);
            Throws<VmpInvalidArgumentException>(() => c.StartCheckout("{\"amount\": 1, \"tip\": 2}"), "unknown field", e => e.Status == VmpStatus.InvalidJson);
            Throws<VmpInvalidArgumentException>(() => c.PollStatus("bad ref!"), "bad reference", e => e.Status == VmpStatus.InvalidReference);
            Throws<VmpInvalidArgumentException>(() => c.PollStatus(reference, TimeSpan.FromMinutes(11)), "wait too long");
            Throws<VmpInvalidArgumentException>(() => c.PollStatus(reference, TimeSpan.FromSeconds(-1)), "negative wait");
            Throws<VmpException>(() => c.PollStatus("cs-unknown-0001"), "unknown payment", e => e.Status == VmpStatus.NotFound);
            Throws<ArgumentNullException>(() => c.PollStatus(null), "null reference");
            Throws<ArgumentNullException>(() => c.StartCheckout(null), "null checkout");
            Throws<ArgumentNullException>(() => c.SubmitScan(null), "null scan");
            for (int i = 0; i < 500; i++) { lock (records) if (records.Any(r => r.Message.Contains("capture of"))) break; Thread.Sleep(10); }
            lock (records)
            {
                Check(records.Any(r => r.Component == "payment" && r.Fields.ContainsKey("operation") && (string)r.Fields["operation"] == "capture" && (string)r.Fields["reference"] == reference),
                      "log records are raised with their fields");
                Check(threads.SetEquals(new[] { "vmp-logs" }), "log records come from the binding's thread");
                Check(!records.Any(r => r.Message.Contains(Phone)), "no record holds the phone number");
            }
        }
    }

    static void Journal()
    {
        using (var c = new VmpClient(Fast))
        {
            Sim(c.SimulatorUrl, "POST", "/sim/faults", "{\"kind\":\"drop_after_commit\",\"operation\":\"create\",\"times\":-1}");
            string reference = null;
            Throws<VmpUnknownOutcomeException>(() => c.Checkout(300, phoneNumber: Phone), "no answer is an unknown outcome",
                e => (reference = e.Reference) != null);
            Check(c.Pending().Open.Count == 1 && c.Pending().Open[0].Operation == "create", "pending lists the open checkout");
            Sim(c.SimulatorUrl, "DELETE", "/sim/faults");
            var rep = c.Recover(TimeSpan.FromSeconds(10));
            Check(rep.Resolved.Count == 1 && rep.Resolved[0].State == "done" && rep.StillOpen.Count == 0, "recover resolves it");
            var un = c.Pending().Unacknowledged;
            Check(un.Count == 1 && un[0].Reference == reference && un[0].Amount == 300, "unacknowledged until the till acknowledges");
            c.Acknowledge(un[0].Id);
            Check(c.Pending().Unacknowledged.Count == 0, "acknowledged");
            Throws<VmpException>(() => c.Acknowledge("vmp-no-such"), "acknowledge an unknown entry", e => e.Status == VmpStatus.NotFound);
            var left = c.Pending().Uncaptured;
            Check(left.Count == 1 && (string)left[0]["reference"] == reference, "the recovered payment is listed as uncaptured");
            c.Acknowledge("payment:" + reference);
            Check(c.Pending().Uncaptured.Count == 0, "acknowledged as left uncaptured");
            var found = c.FindPayments("{\"reference\":\"" + reference + "\"}");
            var payments = (List<object>)found["payments"];
            Check(payments.Count == 1 && (string)((Dictionary<string, object>)payments[0])["reference"] == reference, "found by reference");
            Check(((List<object>)c.PaymentTotals("{}")["totals"]).Count >= 0, "totals answer");
            Throws<VmpException>(() => c.FindPayments("{\"limit\":0.5}"), "a bad query", e => e.Status == VmpStatus.InvalidJson);
            Throws<VmpException>(() => c.FindPayments("{\"date\":\"2026-13-01\"}"), "a bad date", e => e.Status == VmpStatus.InvalidArgument);
        }
    }

    static void Scans()
    {
        using (var c = new VmpClient(Fast))
        {
            Check(c.NextScan() == null, "no scan queued");
            c.SubmitScan("https://qr.vipps.no/28/2/01/031/4791234567?v=1");
            var s = c.NextScan(TimeSpan.FromSeconds(5));
            Check(s != null && s.Kind == CodeKind.VippsLegacyQr && s.IsPersonalQr && s.Source == ScanSource.Submitted, "a pulled scan is classified");
            var got = new List<Scan>();
            var names = new List<string>();
            var done = new ManualResetEvent(false);
            EventHandler<ScanEventArgs> h = (o, e) => { lock (got) { got.Add(e.Scan); names.Add(Thread.CurrentThread.Name); if (got.Count == 2) done.Set(); } };
            c.ScanReceived += h;
            c.SubmitScan("7038010055720");
            c.SubmitScan("4006381333931");
            Check(done.WaitOne(10000) && got[0].Kind == CodeKind.Ean13 && got[1].Sequence == got[0].Sequence + 1, "scan events are raised in order");
            Check(names.All(n => n == "vmp-scans"), "from the binding's scan thread");
            c.ScanReceived -= h;
            c.SubmitScan("7038010055720");
            Check(c.NextScan(TimeSpan.FromSeconds(5)).Text == "7038010055720", "without a subscriber scans wait for NextScan");
            Throws<VmpInvalidArgumentException>(() => c.SubmitScan(""), "an empty scan");
        }
    }

    static void Club()
    {
        using (var c = new VmpClient("{\"default_country_code\": \"47\", \"simulator\": {\"approve_delay_ms\": 0}}"))
        {
            Check(c.IdentifyCustomer("+47 912 34 567") == Phone && c.IdentifyCustomer("912 34 567") == Phone, "typed numbers");
            Check(c.IdentifyCustomer("https://qr.vipps.no/p/sim-4790000011") == "4790000011", "a token QR is exchanged");
            c.LoyaltyCheckIn(Phone, true);
            c.LoyaltyCheckIn("4790000011", false);
            string id = c.StartEnrollment("{\"phone_number\": \"4790000011\", \"binding_message\": \"CS-123\"}");
            var e = c.PollEnrollment(id, TimeSpan.FromSeconds(10));
            Check(e.State == EnrollmentState.Consented && e.Profile.ContainsKey("sub"), "enrollment consented with a profile");
            string id2 = c.StartEnrollment("{\"phone_number\": \"4790000013\", \"check_user_exists\": false}");
            c.CancelEnrollment(id2);
            Check(c.PollEnrollment(id2).State == EnrollmentState.Cancelled, "enrollment cancelled");
            Throws<VmpException>(() => c.StartEnrollment("{\"phone_number\": \"4790000003\"}"), "unknown customer",
                x => x.Status == VmpStatus.CustomerNotFound);
            Throws<VmpInvalidArgumentException>(() => c.IdentifyCustomer("1"), "a malformed number");
            string qr = c.StartCheckout("{\"amount\": 2500, \"flow\": \"qr\"}");
            Check(System.Text.Encoding.ASCII.GetString(c.CheckoutQr(qr, QrFormat.Url)).StartsWith("http"), "QR as URL");
            var png = c.CheckoutQr(qr, QrFormat.Png, 128);
            Check(png.Length > 8 && png[1] == (byte)'P' && png[2] == (byte)'N' && png[3] == (byte)'G', "QR as PNG");
            Throws<VmpInvalidArgumentException>(() => c.AttachReceipt(qr, "{"), "a malformed receipt");
        }
    }

    // Vipps' in-store example receipt: 7475 tax on 22425 at 25.50 % (vmp 0.2.0 demanded 5718).
    const string VippsExampleReceipt = "{\"orderLines\": [{\"name\": \"Vipps socks\", \"id\": \"1234567890\", \"totalAmount\": 29900, " +
        "\"totalAmountExcludingTax\": 22425, \"totalTaxAmount\": 7475, \"taxRate\": 2550}], \"bottomLine\": {\"currency\": \"NOK\"}}";

    static void PaymentDetails()
    {
        using (var c = new VmpClient("{\"simulator\": {\"approve_delay_ms\": 0}}"))
        {
            string reference = c.StartCheckout("{\"amount\": 2000, \"phone_number\": \"" + Phone + "\"}");
            var p = c.PollStatus(reference, TimeSpan.FromSeconds(10));
            Check(p.State == PaymentState.Authorized && p.PspReference.Length > 0, "the payment has its pspReference");
            Check(p.CreatedAt.HasValue && p.LastChanged.HasValue && p.CreatedAt <= p.LastChanged, "created and last changed times");
            var events = c.PaymentEvents(reference);
            Check(events.Count >= 2 && (string)events[0]["name"] == "CREATED" && (string)events[1]["name"] == "AUTHORIZED", "the event log");
            Throws<VmpException>(() => c.PaymentEvents("cs-no-such-payment-1"), "an unknown payment's event log",
                x => x.Status == VmpStatus.NotFound);
            string fields = c.StartCheckout("{\"amount\": 1500, \"phone_number\": \"" + Phone + "\", \"customer_interaction\": \"CUSTOMER_NOT_PRESENT\", " +
                "\"minimum_user_age\": 18, \"metadata\": {\"order\": \"cs-1\"}, \"extra\": {\"industryData\": {}}}");
            Check(fields.Length > 0, "a checkout with the new fields");
            Throws<VmpInvalidArgumentException>(() => c.StartCheckout("{\"amount\": 1500, \"phone_number\": \"" + Phone + "\", " +
                "\"extra\": {\"amount\": {\"currency\": \"NOK\", \"value\": 1}}}"), "extra never overrides the amount");
            const string declined = "{\"amount\": 1000, \"phone_number\": \"4790000001\", \"reference\": \"cs-attempt-sale-1\"}";
            string first = c.StartCheckout(declined);
            Check(c.PollStatus(first, TimeSpan.FromSeconds(10)).State == PaymentState.Aborted, "the customer declined");
            Check(c.StartCheckout(declined) == "cs-attempt-sale-1-2", "a declined sale repeated is its next attempt");
        }
    }

    static void Receipts()
    {
        using (var c = new VmpClient("{\"simulator\": {\"approve_delay_ms\": 0}}"))
        {
            string reference = c.StartCheckout("{\"amount\": 29900, \"phone_number\": \"" + Phone + "\", \"receipt\": " + VippsExampleReceipt + "}");
            var warnings = c.ReceiptWarnings(reference);
            Check(warnings.Count == 1 && warnings[0].Contains("expected 5718"), "the Vipps example goes with a warning");
            string split = c.StartCheckout("{\"amount\": 30000, \"phone_number\": \"" + Phone + "\", \"receipt\": {\"orderLines\": [{\"name\": \"Jacket\", " +
                "\"id\": \"j-1\", \"totalAmount\": 50000, \"totalAmountExcludingTax\": 40000, \"totalTaxAmount\": 10000, \"taxRate\": 2500}], " +
                "\"bottomLine\": {\"currency\": \"NOK\", \"paymentSources\": {\"giftCard\": 20000}}}}");
            Check(c.ReceiptWarnings(split).Count == 0, "a split tender told with paymentSources has no warning");
            string after = c.StartCheckout("{\"amount\": 29900, \"phone_number\": \"" + Phone + "\"}");
            c.AttachReceipt(after, VippsExampleReceipt);
            Check(c.ReceiptWarnings(after).Count == 1, "a receipt attached after the sale is as lenient");
        }
        using (var strict = new VmpClient("{\"strict_receipts\": true}"))
        {
            Throws<VmpInvalidArgumentException>(() => strict.StartCheckout("{\"amount\": 29900, \"phone_number\": \"" + Phone + "\", \"receipt\": " +
                VippsExampleReceipt + "}"), "strict_receipts refuses what looks wrong");
        }
    }

    static void Webhooks()
    {
        var vector = new WebhookDelivery
        {
            PathAndQuery = "/e2cee29b-012e-4f1d-8ef4-e95fd74a7a63",
            Host = "webhook.site",
            Headers = new Dictionary<string, string>
            {
                { "X-MS-Date", "Thu, 30 Mar 2023 08:38:32 GMT" },
                { "x-ms-content-sha256", "lNlsp1XA03N34HrQsVzPgJKtC+r7l/RBF4V3JQUWMj4=" },
                { "Authorization", "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=agAiSyogQbDHpeucoNwYz+yAr5nJ+v+zasdkSbqzv+U=" },
            },
            Body = System.Text.Encoding.UTF8.GetBytes("{\"some-unique-content\":\"ee6e441b-cc4a-46f8-895d-a5af79bcc233/hello-world\"}"),
        };
        const string secret = "A0+AeKBRG2KRGvnNwJpQlb6IJFk48CKXCIcrLoHncVJKDILsQSxS6NWCccwWm6r6FhGKhiHTBsG2wo/xU6FY/A==";
        VmpWebhooks.Verify(secret, vector);
        Check(true, "the official test vector verifies");
        Throws<VmpUnverifiedException>(() => VmpWebhooks.Verify("another secret", vector), "a wrong secret",
            x => x.Status == VmpStatus.Unverified && !x.Message.Contains(secret));
        Throws<VmpUnverifiedException>(() => VmpWebhooks.Verify(secret, vector, 300), "a stale date");
        Throws<VmpInvalidArgumentException>(() => VmpWebhooks.Verify("", vector), "an empty secret");
        using (var c = new VmpClient("{\"simulator\": {\"approve_delay_ms\": 200}, \"webhooks\": {\"listen\": \"127.0.0.1:0\"}}"))
        {
            var info = c.WebhookReceiver();
            Check((bool)info["listening"] && (string)info["registration"] == "ok", "the receiver listens and is registered");
            string reference = c.Checkout(100, phoneNumber: Phone);
            Check(c.PollStatus(reference, TimeSpan.FromSeconds(10)).State == PaymentState.Authorized, "authorized");
            Throws<VmpUnverifiedException>(() => c.HandleWebhook(vector), "a forged delivery is refused");
            Check(c.ListWebhooks().Count == 1, "one registration");
            var report = c.ReconcileWebhooks();
            Check(((IList<object>)report["registered"]).Count == 0 && ((IList<object>)report["deleted"]).Count == 0, "a second reconcile changes nothing");
            var w = c.RegisterWebhook("http://127.0.0.1:9/pos/hooks", new[] { "epayments.payment.authorized.v1" });
            Check((bool)w["secret_stored"] && !w.ContainsKey("secret"), "registered, the secret stored and not returned");
            c.DeleteWebhook((string)w["id"]);
            Throws<VmpException>(() => c.DeleteWebhook((string)w["id"]), "a second delete", x => x.Status == VmpStatus.NotFound);
            Throws<VmpInvalidArgumentException>(() => c.RegisterWebhook("ftp://127.0.0.1/x"), "an ftp URL");
        }
    }

    static void Lifetime()
    {
        var c = new VmpClient(Fast);
        string reference = c.Checkout(100, phoneNumber: Phone);
        c.Dispose();
        c.Dispose();
        Check(c.IsDisposed, "dispose twice");
        Throws<ObjectDisposedException>(() => c.PollStatus(reference), "use after dispose");
        Throws<ObjectDisposedException>(() => c.Capture(reference, 1), "capture after dispose");
        Throws<ObjectDisposedException>(() => { c.ScanReceived += (o, e) => { }; }, "subscribe after dispose");
        Throws<VmpInvalidArgumentException>(() => new VmpClient("{\"environment\": \"moon\"}"), "a bad config", e => e.Status == VmpStatus.InvalidConfig);
        Throws<VmpInvalidArgumentException>(() => new VmpClient("{\"log_level\": "), "malformed config", e => e.Status == VmpStatus.InvalidJson);
        Throws<ArgumentNullException>(() => new VmpClient(null), "a null config");

        using (var client = new VmpClient(Fast))
        {
            string unitRef;
            using (var own = client.SalesUnit(""))
            {
                unitRef = own.Checkout(100, phoneNumber: Phone);
                Check(own.PollStatus(unitRef, TimeSpan.FromSeconds(10)).State == PaymentState.Authorized, "a sales-unit handle pays");
            }
            Check(client.PollStatus(unitRef).State == PaymentState.Authorized, "disposing the unit leaves the client open");
            Throws<VmpInvalidArgumentException>(() => client.SalesUnit("no-such-store"), "an unknown sales unit");
        }

        var waiter = new VmpClient(Fast);
        string r = waiter.Checkout(100, phoneNumber: "4790000004");
        Exception seen = null;
        var t = new Thread(() => { try { waiter.PollStatus(r, TimeSpan.FromSeconds(60)); } catch (Exception e) { seen = e; } });
        t.Start();
        Thread.Sleep(200);
        var sw = Stopwatch.StartNew();
        waiter.Dispose();
        Check(t.Join(10000) && sw.Elapsed < TimeSpan.FromSeconds(10), "dispose from another thread ends a waiting call (" + (seen == null ? "returned" : seen.GetType().Name) + ")");

        // A forgotten client: its SafeHandle's finalizer closes it, which ends its log thread.
        Forget();
        for (int i = 0; i < 3; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        Check(true, "a forgotten client is finalized without a crash");
    }

    static void Forget()
    {
        new VmpClient(Fast).Checkout(100, phoneNumber: Phone);
    }

    // ---- loading ---------------------------------------------------------------------------------------

    static void Loading(string exe)
    {
        Check(Library.BinaryArch(Path.Combine(AppDomain.CurrentDomain.BaseDirectory, Library.FileName)) == Library.ProcessArch,
              "the library next to the assembly is built for this process (" + Library.ProcessArch + ")");
        string dir = Path.Combine(Path.GetTempPath(), "vmp-cs-load-" + Process.GetCurrentProcess().Id);
        Directory.CreateDirectory(dir);
        string other = Library.ProcessArch == "x64" ? "x86" : "x64";
        var elf = new byte[64];
        elf[0] = 0x7f; elf[1] = (byte)'E'; elf[2] = (byte)'L'; elf[3] = (byte)'F'; elf[4] = (byte)(other == "x64" ? 2 : 1); elf[5] = 1;
        elf[18] = (byte)(other == "x64" ? 0x3E : 0x03);
        var pe = new byte[256];
        pe[0] = (byte)'M'; pe[1] = (byte)'Z'; pe[60] = 128; pe[128] = (byte)'P'; pe[129] = (byte)'E';
        pe[132] = (byte)(other == "x64" ? 0x64 : 0x4C); pe[133] = (byte)(other == "x64" ? 0x86 : 0x01);
        foreach (var f in new[] { Tuple.Create("libvmp.so", elf), Tuple.Create("vmp.dll", pe) })
        {
            string path = Path.Combine(dir, f.Item1);
            File.WriteAllBytes(path, f.Item2);
            Check(Library.BinaryArch(path) == other, f.Item1 + " of " + other + " is recognised");
            string output = Child(exe, path);
            Check(output.Contains("VmpLibraryException: " + path + " is built for " + other + ", but this process is " + Library.ProcessArch),
                  "a " + other + " library is a clear error, not a crash: " + output.Trim());
        }
        string none = Child(exe, Path.Combine(dir, "missing.so"));
        Check(none.Contains("no such file"), "a missing library is a clear error: " + none.Trim());
    }

    static string Child(string exe, string library)
    {
        var psi = new ProcessStartInfo("mono", "\"" + exe + "\" \"" + repo + "\" load")
        { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.EnvironmentVariables[Library.LibraryEnv] = library;
        using (var p = Process.Start(psi))
        {
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            if (!p.WaitForExit(60000)) { p.Kill(); return "timeout"; }
            return output;
        }
    }

    static int LoadOnly()
    {
        try { Console.WriteLine("loaded " + VmpInfo.Version); }
        catch (VmpLibraryException e) { Console.WriteLine("VmpLibraryException: " + e.Message); }
        return 0;
    }

    // ---- exit -----------------------------------------------------------------------------------------

    const string MainReturning = "main returning";
    static VmpClient kept; // left open when Main returns, as a till's long-lived client is

    /// <summary>A child process: a thread blocked in a 10-minute wait when Main returns - a foreground
    /// thread (new Thread()) in PollStatus or NextScan, or a thread-pool thread (Task.Run, a
    /// background thread, which Mono aborts at exit and waits for) in PollStatus. The process must
    /// end at once (the parent measures it from the MainReturning line).</summary>
    static int ExitScenario(string kind)
    {
        kept = new VmpClient(Fast);
        string reference = kind != "exit-scan" ? kept.Checkout(100, phoneNumber: "4790000004") : null; // never answers by itself
        var entered = new ManualResetEvent(false);
        Action wait = () =>
        {
            entered.Set();
            try
            {
                if (kind == "exit-scan") kept.NextScan(TimeSpan.FromMinutes(10));
                else kept.PollStatus(reference, TimeSpan.FromMinutes(10));
                Console.WriteLine("blocked thread: the wait returned");
            }
            catch (VmpException e) { Console.WriteLine("blocked thread: " + e.GetType().Name); }
        };
        if (kind == "exit-task") System.Threading.Tasks.Task.Run(wait);
        else new Thread(() => wait()) { Name = "till-waiter" }.Start(); // a foreground thread, as new Thread() makes it
        entered.WaitOne();
        Thread.Sleep(200); // into the library's wait
        Console.WriteLine(MainReturning);
        return 0;
    }

    static readonly string[] ExitScenarios = { "exit-poll", "exit-scan", "exit-task" };

    /// <summary>Runs an exit scenario in a child process: "ok", "failed" or "hung" (killed after
    /// hangSeconds), the seconds from its MainReturning line to its end, and its output.</summary>
    static Tuple<string, double, string> RunExitScenario(string exe, string kind, int hangSeconds = 60)
    {
        var psi = new ProcessStartInfo("mono", "\"" + exe + "\" \"" + repo + "\" " + kind)
        { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        var output = new System.Text.StringBuilder();
        var sw = new Stopwatch();
        double returned = -1;
        using (var p = new Process { StartInfo = psi })
        {
            DataReceivedEventHandler onLine = (o, e) =>
            {
                if (e.Data == null) return;
                lock (output)
                {
                    if (e.Data == MainReturning && returned < 0) returned = sw.Elapsed.TotalSeconds;
                    output.AppendLine(e.Data);
                }
            };
            p.OutputDataReceived += onLine;
            p.ErrorDataReceived += onLine;
            sw.Start();
            p.Start();
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            bool exited = p.WaitForExit(hangSeconds * 1000);
            double ended = sw.Elapsed.TotalSeconds;
            if (!exited) { try { p.Kill(); } catch (InvalidOperationException) { } p.WaitForExit(10000); }
            else p.WaitForExit(); // the output's end
            lock (output)
            {
                string text = output.ToString();
                double after = returned < 0 ? -1 : ended - returned;
                if (!exited) return Tuple.Create("hung", after, text);
                bool ok = p.ExitCode == 0 && returned >= 0 && !text.Contains("Unhandled") && !text.Contains("Native Crash");
                return Tuple.Create(ok ? "ok" : "failed (exit " + p.ExitCode + ")", after, text);
            }
        }
    }

    static void Exit(string exe)
    {
        foreach (string kind in ExitScenarios)
        {
            var r = RunExitScenario(exe, kind);
            Check(r.Item1 == "ok", kind + ": a thread blocked in a 10-minute wait does not keep the process alive (" +
                  r.Item1 + ", gone " + r.Item2.ToString("0.000") + " s after Main returned)" + (r.Item1 == "ok" ? "" : ": " + r.Item3.Trim()));
        }
    }

    /// <summary>make host-stress: each exit scenario runs times, each in its own process; a table
    /// of ok / failed / hung / slow (gone more than 1 s after Main returned) and the slowest end
    /// after Main returned. Exit status 1 on any failure, hang or slow run.</summary>
    static int ExitRuns(string exe, int times)
    {
        Console.WriteLine("{0,-28} {1,5} {2,5} {3,7} {4,5} {5,5}  {6}", "scenario", "runs", "ok", "failed", "hung", "slow", "exit after Main (max s)");
        int bad = 0;
        foreach (string kind in ExitScenarios)
        {
            int ok = 0, failedRuns = 0, hung = 0, slow = 0;
            double worst = -1;
            var shown = new List<string>();
            for (int i = 0; i < times; i++)
            {
                var r = RunExitScenario(exe, kind);
                if (r.Item1 == "ok") ok++; else if (r.Item1 == "hung") hung++; else failedRuns++;
                if (r.Item1 == "ok" && r.Item2 > 1.0) slow++;
                worst = Math.Max(worst, r.Item2);
                if (r.Item1 != "ok" && shown.Count < 3) shown.Add("    run " + (i + 1) + " " + r.Item1 + ": " + r.Item3.Trim());
            }
            bad += failedRuns + hung + slow;
            Console.WriteLine("{0,-28} {1,5} {2,5} {3,7} {4,5} {5,5}  {6}", "csharp-" + kind, times, ok, failedRuns, hung, slow,
                              worst < 0 ? "-" : worst.ToString("0.000"));
            foreach (var line in shown) Console.WriteLine(line);
        }
        return bad == 0 ? 0 : 1;
    }

    // ---- stress ---------------------------------------------------------------------------------------

    /// <summary>The simulator's URL is asked of the library (vmp_simulator_url): log_level "warn"
    /// hides the "client started" record the binding used to read it from.</summary>
    // A sales unit Vipps has not approved for push requests (5080), and the QR fallback.
    static void PushNotAllowed()
    {
        using (var c = new VmpClient("{\"environment\": \"simulator\", \"simulator\": {\"push_not_allowed\": true}}"))
            Throws<VmpPushNotAllowedException>(() => c.Checkout(1000, phoneNumber: Phone), "5080 without a fallback",
                e => e.Status == VmpStatus.PushNotAllowed && e.VippsErrorCode == "5080" && e.Reference == null);
        using (var c = new VmpClient("{\"environment\": \"simulator\", \"push_fallback\": \"qr\", \"simulator\": {\"push_not_allowed\": true}}"))
        {
            string qr = null;
            Throws<VmpPushNotAllowedException>(() => c.Checkout(1000, phoneNumber: Phone, reference: "cs-fallback-1"), "5080 with push_fallback qr",
                e => (qr = e.Reference) == "cs-fallback-1-qr");
            Check(qr != null && c.CheckoutQr(qr, QrFormat.Url).Length > 10, "the QR checkout's code");
            Check(qr != null && c.PollStatus(qr).State == PaymentState.Created, "the QR checkout is CREATED");
        }
    }

    // Vipps' rules: rate limits per API per reference, the unit's capture rule and market,
    // failure amounts, the polling config, enrollment with partner keys.
    static void VippsRules()
    {
        using (var c = new VmpClient("{\"simulator\": {\"approve_delay_ms\": 0, \"full_capture_only\": true, \"failure_amounts\": true}}"))
        {
            string r = c.Checkout(10000, phoneNumber: Phone);
            Check(c.PollStatus(r, TimeSpan.FromSeconds(10)).State == PaymentState.Authorized, "authorized");
            Throws<VmpRejectedException>(() => c.Capture(r, 1000, "part"), "a partial capture at a full-capture unit", e => e.VippsErrorCode == "6140");
            c.Capture(r, 10000, "whole");
            for (int i = 0; i < 3; i++) c.Refund(r, 100, "return-" + i);
            Check(c.PollStatus(r).Refunded == 300, "three refunds after a create and two captures");
            Throws<VmpRejectedException>(() => c.Refund(r, 124, "return-124"), "a failure amount", e => e.VippsErrorCode == "6220");
            Throws<VmpRejectedException>(() => c.Checkout(1000, phoneNumber: Phone, more: new Dictionary<string, object> { { "currency", "DKK" } }),
                "DKK at a Norwegian unit", e => e.VippsErrorCode == "5040");
        }
        Throws<VmpInvalidArgumentException>(() => new VmpClient("{\"polling\": {\"interval_ms\": 100}}"), "a poll interval above Vipps' budget");
        using (var c = new VmpClient("{\"environment\": \"simulator\", \"msn\": \"234567\", \"simulator\": {\"approve_delay_ms\": 0}, " +
                                     "\"polling\": {\"interval_ms\": 2000}, \"partner\": {\"client_id\": \"p-id\", \"client_secret\": \"p-secret\", \"subscription_key\": \"p-key\"}}"))
        {
            string id = c.StartEnrollment("{\"phone_number\": \"4790000011\"}");
            Check(c.PollEnrollment(id, TimeSpan.FromSeconds(10)).State == EnrollmentState.Consented, "enrollment with partner keys");
        }
    }

    static void SimulatorUrl()
    {
        using (var c = new VmpClient("{\"simulator\": {\"approve_delay_ms\": 0}, \"log_level\": \"warn\"}"))
        {
            string url = c.SimulatorUrl;
            Check(url != null && url.StartsWith("http://127.0.0.1:"), "SimulatorUrl with log_level warn: " + url);
            string reference = c.Checkout(100, phoneNumber: Phone);
            c.PollStatus(reference, TimeSpan.FromSeconds(10));
            Check(Aggregate(url, reference, "authorizedAmount") == 100, "the simulator answers at SimulatorUrl");
        }
        string dir = Path.Combine(Path.GetTempPath(), "vmp-cs-sim-url-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // A simulator elsewhere (cmd/vmp-sim) at base_url: none is started, nothing is sent.
            string config = "{\"base_url\": \"http://127.0.0.1:9\", \"journal_path\": " + Json.Write(Path.Combine(dir, "till.db")) + "}";
            using (var c = new VmpClient(config)) Check(c.SimulatorUrl == null, "SimulatorUrl without an embedded simulator is null");
        }
        finally { Directory.Delete(dir, true); }
        var closed = new VmpClient(Fast);
        closed.Dispose();
        Throws<ObjectDisposedException>(() => { var u = closed.SimulatorUrl; }, "SimulatorUrl of a closed client");
    }

    static int Stress(double seconds)
    {
        var errors = new List<string>();
        var payments = new Dictionary<string, long[]>();
        int scans = 0, submitted = 0;
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        using (var c = new VmpClient("{\"simulator\": {\"approve_delay_ms\": 0}, \"timeouts\": {\"operation_ms\": 20000}}"))
        {
            c.ScanReceived += (o, e) => Interlocked.Increment(ref scans);
            string sim = c.SimulatorUrl;
            var threads = Enumerable.Range(0, 16).Select(n => new Thread(() =>
            {
                for (int i = 0; i < 200 && DateTime.UtcNow < deadline; i++)
                {
                    try
                    {
                        long amount = 1000 + n * 10 + i;
                        string reference = c.Checkout(amount, phoneNumber: "47912345" + n.ToString("00"));
                        if (c.PollStatus(reference, TimeSpan.FromSeconds(30)).State != PaymentState.Authorized) throw new Exception(reference + " not authorized");
                        c.Capture(reference, amount, "r-" + n + "-" + i);
                        long refund = i % 3;
                        if (refund > 0) c.Refund(reference, refund, "ret-" + n + "-" + i);
                        c.SubmitScan("https://qr.vipps.no/28/2/01/031/47912345" + n.ToString("00") + "?v=1");
                        lock (payments) { payments[reference] = new[] { amount, refund }; submitted++; }
                        if (i % 5 == 0) { GC.Collect(); GC.WaitForPendingFinalizers(); }
                    }
                    catch (Exception e) { lock (errors) errors.Add("thread " + n + ": " + e.Message); return; }
                }
            }) { Name = "till-" + n }).ToList();
            threads.ForEach(t => t.Start());
            foreach (var t in threads) if (!t.Join(TimeSpan.FromSeconds(seconds + 120))) errors.Add(t.Name + " still running");
            GC.Collect();
            for (int i = 0; i < 1000 && Volatile.Read(ref scans) < submitted; i++) Thread.Sleep(10);
            foreach (var kv in payments)
            {
                long captured = Aggregate(sim, kv.Key, "capturedAmount"), refunded = Aggregate(sim, kv.Key, "refundedAmount");
                if (captured != kv.Value[0] || refunded != kv.Value[1]) errors.Add(kv.Key + " at the simulator: " + captured + "/" + refunded);
            }
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        if (scans != submitted) errors.Add(scans + " scans raised of " + submitted);
        if (payments.Count == 0) errors.Add("no payment completed");
        foreach (var e in errors.Take(20)) Console.WriteLine("stress: FAIL " + e);
        Console.WriteLine("stress: {0} payments, {1} scans accounted for, {2} errors", payments.Count, scans, errors.Count);
        return errors.Count == 0 ? 0 : 1;
    }

    static int Main(string[] args)
    {
        repo = args.Length > 0 ? args[0] : ".";
        if (args.Length > 1 && args[1] == "load") return LoadOnly();
        if (args.Length > 1 && Array.IndexOf(ExitScenarios, args[1]) >= 0) return ExitScenario(args[1]);
        if (args.Length > 2 && args[1] == "exit-runs") return ExitRuns(Assembly.GetExecutingAssembly().Location, int.Parse(args[2]));
        if (args.Length > 1 && args[1] == "stress") return Stress(args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5);
        Trace.Listeners.Clear(); // records are checked through LogReceived; keep the output to the checks
        Run("completeness", Completeness);
        Run("information", Information);
        Run("payments", Payments);
        Run("push not allowed", PushNotAllowed);
        Run("vipps rules", VippsRules);
        Run("simulator url", SimulatorUrl);
        Run("journal", Journal);
        Run("scans", Scans);
        Run("club", Club);
        Run("receipts", Receipts);
        Run("payment details", PaymentDetails);
        Run("webhooks", Webhooks);
        Run("lifetime", Lifetime);
        Run("loading", () => Loading(Assembly.GetExecutingAssembly().Location));
        Run("exit", () => Exit(Assembly.GetExecutingAssembly().Location));
        Console.WriteLine("{0} passed, {1} failed", passed, failed);
        return failed == 0 ? 0 : 1;
    }
}
