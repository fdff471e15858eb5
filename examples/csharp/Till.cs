// Till.cs - a small .NET till: the in-store payment (checkout, wait for the customer, capture,
// partial refund) and, on a simulator, the customer-club flow (scan the personal QR, identify,
// the POS's own membership check, loyalty check-in, enrollment by consent, pay). The library's
// log records are printed as "log:" lines from the LogReceived event.
//
// The configuration (vmp_init's JSON) comes from VMP_CONFIG: the JSON itself when its first
// non-blank character is '{', else the path of a file holding it. Without VMP_CONFIG the till
// runs on the embedded Vipps simulator. VMP_PHONE is the customer's phone number (in Vipps' test
// environment: your test user's). The first line says which environment is used; the example
// refuses "production" (it moves money).
// Build and run: make test (or: mcs -r:Vmp.dll Till.cs && mono Till.exe, libvmp.so beside them).
using System;
using System.Collections.Generic;
using System.IO;
using Vmp;

static class Till
{
    static readonly HashSet<string> Members = new HashSet<string> { "4790000010" }; // the POS's own register
    static readonly object Out = new object();

    static readonly string Phone = Environment.GetEnvironmentVariable("VMP_PHONE") ?? "+47 912 34 567";

    static void Say(string line) { lock (Out) Console.WriteLine(line); }

    /// <summary>The configuration and where it came from (VMP_CONFIG: JSON or a file's path).</summary>
    static string LoadConfig(out string source)
    {
        string value = (Environment.GetEnvironmentVariable("VMP_CONFIG") ?? "").Trim();
        if (value.Length == 0)
        {
            source = "built in (VMP_CONFIG is not set)";
            return "{\"store_id\": \"store1\", \"pos_id\": \"till-cs\", \"simulator\": {\"approve_delay_ms\": 300}}";
        }
        if (value.StartsWith("{", StringComparison.Ordinal))
        {
            source = "VMP_CONFIG (JSON)";
            return value;
        }
        source = "VMP_CONFIG (file " + value + ")";
        return File.ReadAllText(value);
    }

    /// <summary>The configuration's environment field ("simulator" when it names none).</summary>
    static string EnvironmentOf(IDictionary<string, object> config)
    {
        object env;
        return config.TryGetValue("environment", out env) && env is string ? (string)env : "simulator";
    }

    /// <summary>scheme://host:port of a URL: no user info, path or query (where a secret could be).</summary>
    static string SchemeAndHost(string url)
    {
        int s = url.IndexOf("://", StringComparison.Ordinal);
        string scheme = s < 0 ? url : url.Substring(0, s), rest = s < 0 ? "" : url.Substring(s + 3);
        int end = rest.IndexOfAny(new[] { '/', '?', '#' });
        if (end >= 0) rest = rest.Substring(0, end);
        return scheme + "://" + rest.Substring(rest.LastIndexOf('@') + 1);
    }

    /// <summary>Which environment the configuration means - never its keys.</summary>
    static string Describe(IDictionary<string, object> config)
    {
        string env = EnvironmentOf(config);
        object url;
        string baseUrl = config.TryGetValue("base_url", out url) ? url as string : null;
        if (baseUrl == null && env == "test") baseUrl = "https://apitest.vipps.no";
        if (baseUrl == null && env == "production") baseUrl = "https://api.vipps.no";
        return baseUrl == null && env == "simulator" ? "embedded simulator" : env + " at " + SchemeAndHost(baseUrl);
    }

    static bool InStore(VmpClient till)
    {
        string reference = till.Checkout(49900, phoneNumber: Phone, description: "Groceries at store 1");
        Say("checkout started       reference=" + reference + " (499.00 NOK sent to the customer's phone)");
        var p = till.PollStatus(reference, TimeSpan.FromSeconds(60));
        Say("customer answered      state=" + p.State);
        if (p.State != PaymentState.Authorized) return false;
        p = till.Capture(reference, p.Amount, "receipt-cs-0001");
        Say("captured 499.00        captured=" + p.Captured);
        p = till.Refund(reference, 10000, "return-cs-0001");
        Say("refunded 100.00        refunded=" + p.Refunded);
        return p.Captured == 49900 && p.Refunded == 10000;
    }

    static bool Club(VmpClient till, string scanned)
    {
        till.SubmitScan(scanned); // a keyboard-wedge scanner; a serial one queues the same events
        var scan = till.NextScan(TimeSpan.FromSeconds(5));
        if (scan == null || !scan.IsPersonalQr) { Say("no personal QR scanned"); return false; }
        string msisdn = till.IdentifyCustomer(scan.Text);
        bool member = Members.Contains(msisdn);
        Say("customer identified    " + msisdn.Substring(0, 2) + "******" + msisdn.Substring(msisdn.Length - 2) + " member=" + member);
        till.LoyaltyCheckIn(msisdn, member);
        if (!member)
        {
            string id = till.StartEnrollment("{\"phone_number\": \"" + msisdn + "\", \"binding_message\": \"CLUB-1\"}");
            var e = till.PollEnrollment(id, TimeSpan.FromSeconds(30));
            Say("enrollment             " + e.State);
            if (e.State == EnrollmentState.Consented) Members.Add(msisdn); // enrolled with the shared profile (not printed)
        }
        string reference = till.Checkout(24900, phoneNumber: msisdn, description: "Club purchase");
        var p = till.PollStatus(reference, TimeSpan.FromSeconds(60));
        if (p.State != PaymentState.Authorized) return false;
        p = till.Capture(reference, p.Amount, "receipt-cs-club-" + msisdn.Substring(msisdn.Length - 2));
        Say("club purchase captured captured=" + p.Captured);
        return p.Captured == 24900;
    }

    static int Main()
    {
        string source;
        string configJson = LoadConfig(out source);
        var config = Json.Parse(configJson) as IDictionary<string, object>;
        if (config == null) { Say("the configuration is not a JSON object"); return 2; }
        Say("environment: " + Describe(config) + " - configuration " + source);
        if (EnvironmentOf(config) == "production") { Say("the example till moves money: it does not run in production"); return 2; }
        Say("vmp " + VmpInfo.Version + " - C# till");
        bool ok;
        using (var till = new VmpClient(configJson))
        {
            till.TraceLogRecords = false; // printed below instead
            till.LogReceived += (s, e) => { if (e.Record.Level >= LogLevel.Info) Say(string.Format("log: {0,-7} {1}", e.Record.Level.ToString().ToUpperInvariant(), e.Record.Message)); };
            ok = InStore(till);
            if (EnvironmentOf(config) == "simulator")
            {
                Say("-- customer club: a new customer scans the personal QR in the app");
                ok = Club(till, "https://qr.vipps.no/p/sim-4790000011") && ok;
                Say("-- customer club: a member");
                ok = Club(till, "https://qr.vipps.no/28/2/01/031/4790000010?v=1") && ok;
            }
            else
                Say("-- customer club: skipped (its customers and personal QR codes are the simulator's)");
        }
        Say(ok ? "till finished" : "till FAILED");
        return ok ? 0 : 1;
    }
}
