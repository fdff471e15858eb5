// Till.cs - a small .NET till on the embedded Vipps simulator: the in-store payment (checkout,
// wait for the customer, capture, partial refund) and the customer-club flow (scan the personal
// QR, identify, the POS's own membership check, loyalty check-in, enrollment by consent, pay).
// The library's log records are printed as "log:" lines from the LogReceived event.
// Build and run: make test (or: mcs -r:Vmp.dll Till.cs && mono Till.exe, libvmp.so beside them).
using System;
using System.Collections.Generic;
using Vmp;

static class Till
{
    static readonly HashSet<string> Members = new HashSet<string> { "4790000010" }; // the POS's own register
    static readonly object Out = new object();

    static void Say(string line) { lock (Out) Console.WriteLine(line); }

    static bool InStore(VmpClient till)
    {
        string reference = till.Checkout(49900, phoneNumber: "+47 912 34 567", description: "Groceries at store 1");
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
        Say("vmp " + VmpInfo.Version + " - C# till on the embedded Vipps simulator");
        bool ok;
        using (var till = new VmpClient("{\"store_id\": \"store1\", \"pos_id\": \"till-cs\", \"simulator\": {\"approve_delay_ms\": 300}}"))
        {
            till.TraceLogRecords = false; // printed below instead
            till.LogReceived += (s, e) => { if (e.Record.Level >= LogLevel.Info) Say(string.Format("log: {0,-7} {1}", e.Record.Level.ToString().ToUpperInvariant(), e.Record.Message)); };
            ok = InStore(till);
            Say("-- customer club: a new customer scans the personal QR in the app");
            ok = Club(till, "https://qr.vipps.no/p/sim-4790000011") && ok;
            Say("-- customer club: a member");
            ok = Club(till, "https://qr.vipps.no/28/2/01/031/4790000010?v=1") && ok;
        }
        Say(ok ? "till finished" : "till FAILED");
        return ok ? 0 : 1;
    }
}
