// Bench.cs - the cost of one vmp call from C# through P/Invoke, with no I/O: vmp_status_str, and
// vmp_poll_status with no wait answered from the library's memory. `make bench` runs it (through
// cmd/vmp-bench) and reads the lines "bench: <metric> <nanoseconds>".
using System;
using System.Diagnostics;
using Vmp;

static class Bench
{
    static double PerCallNs(Action a, int n)
    {
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < n; i++) a();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds * 1e6 / n);
        }
        return best;
    }

    static int Main(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 200000;
        Console.WriteLine("bench: csharp_status_str_ns {0:F0}", PerCallNs(() => VmpInfo.StatusName(10), n));
        using (var c = new VmpClient("{\"simulator\": {\"approve_delay_ms\": 0}, \"log_level\": \"warn\"}"))
        {
            c.TraceLogRecords = false;
            string r = c.Checkout(100, phoneNumber: "4791234567");
            c.PollStatus(r, TimeSpan.FromSeconds(10));
            Console.WriteLine("bench: csharp_poll_status_memory_ns {0:F0}", PerCallNs(() => c.PollStatus(r), Math.Max(n / 10, 100)));
        }
        return 0;
    }
}
