// MonoStress.cs - a .NET till under Mono whose garbage collector stops its threads while they are
// inside vmp (issue 21, section 1). Threads run sales through the C# binding on the embedded
// simulator - checkout, wait, capture, refund, cancel, a scan, Pending - while another thread
// forces collections. Mono stops every thread it knows with a signal for each collection; with
// vmp's wall between host and Go, none of them is ever inside the Go runtime when that happens.
//
// Usage: mono MonoStress.exe SCENARIO SECONDS
//   nogc    16 threads, no forced collections
//   gc      16 threads, GC.Collect + WaitForPendingFinalizers every 3 ms
//   warm    as gc, but every thread made one call before the collections start
//   churn   each sale on a new thread that ends after it (16 at a time), a collection every 100 ms
// (tests/hosts/run.sh also runs gc with MONO_THREADS_SUSPEND=hybrid.)
// Prints one summary line, then "main returning" just before Main returns; the runner checks
// that the process is gone soon after. Exit status 0 when every sale succeeded.
using System;
using System.Collections.Generic;
using System.Threading;
using Vmp;

static class MonoStress
{
    const string Config = "{\"simulator\": {\"approve_delay_ms\": 0}, \"log_level\": \"info\"}";
    const string Qr = "https://qr.vipps.no/28/2/01/031/4791234567?v=1";

    static int sales, failures;
    static volatile bool stop;

    static void Sale(VmpClient c, int n, int i)
    {
        long amount = 1000 + n * 10 + i % 10;
        string r = c.Checkout(amount, phoneNumber: "4791234567");
        if (c.PollStatus(r, TimeSpan.FromSeconds(30)).State != PaymentState.Authorized) throw new Exception(r + " not authorized");
        c.Capture(r, amount, "cap-" + n + "-" + i);
        c.Refund(r, 1, "ret-" + n + "-" + i);
        string open = c.Checkout(amount, phoneNumber: "4790000004"); // the simulator leaves it open
        c.Cancel(open);
        c.SubmitScan(Qr);
        c.NextScan(TimeSpan.Zero);
        c.Pending();
        Interlocked.Increment(ref sales);
    }

    static void Fail(string what, Exception e)
    {
        Interlocked.Increment(ref failures);
        Console.WriteLine("mono-stress: FAIL " + what + ": " + e.GetType().Name + ": " + e.Message);
    }

    static Thread Collector(int periodMs)
    {
        var t = new Thread(() =>
        {
            while (!stop)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Thread.Sleep(periodMs);
            }
        }) { Name = "collector", IsBackground = true };
        return t;
    }

    // 16 threads, each running sales until the deadline.
    static void Steady(VmpClient c, double seconds, int gcPeriodMs, bool warm)
    {
        var threads = new List<Thread>();
        var warmed = new CountdownEvent(16);
        string known = c.Checkout(100, phoneNumber: "4791234567");
        c.PollStatus(known, TimeSpan.FromSeconds(30));
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        Thread collector = gcPeriodMs > 0 ? Collector(gcPeriodMs) : null;
        for (int n = 0; n < 16; n++)
        {
            int id = n;
            threads.Add(new Thread(() =>
            {
                if (warm) { c.PollStatus(known); warmed.Signal(); }
                for (int i = 0; DateTime.UtcNow < deadline; i++)
                {
                    try { Sale(c, id, i); }
                    catch (Exception e) { Fail("thread " + id, e); return; }
                }
            }) { Name = "till-" + n });
        }
        if (!warm && collector != null) collector.Start();
        threads.ForEach(t => t.Start());
        if (warm)
        {
            warmed.Wait();
            if (collector != null) collector.Start();
        }
        foreach (var t in threads) t.Join();
        stop = true;
        if (collector != null) collector.Join();
    }

    // Each sale on a new thread that ends after it: Mono and the library see threads come and go.
    static void Churn(VmpClient c, double seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        var slots = new SemaphoreSlim(16);
        var running = new List<Thread>();
        Thread collector = Collector(100);
        collector.Start();
        for (int i = 0; DateTime.UtcNow < deadline; i++)
        {
            slots.Wait();
            int id = i;
            var t = new Thread(() =>
            {
                try { Sale(c, id % 16, id); }
                catch (Exception e) { Fail("sale " + id, e); }
                finally { slots.Release(); }
            }) { Name = "sale-" + i };
            t.Start();
            lock (running) { running.Add(t); running.RemoveAll(x => !x.IsAlive); }
        }
        lock (running) foreach (var t in running) t.Join();
        stop = true;
        collector.Join();
    }

    static int Main(string[] args)
    {
        string scenario = args.Length > 0 ? args[0] : "gc";
        double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var started = DateTime.UtcNow;
        using (var c = new VmpClient(Config))
        {
            c.TraceLogRecords = false;
            switch (scenario)
            {
                case "nogc": Steady(c, seconds, 0, false); break;
                case "gc": Steady(c, seconds, 3, false); break;
                case "warm": Steady(c, seconds, 3, true); break;
                case "churn": Churn(c, seconds); break;
                default: Console.WriteLine("mono-stress: unknown scenario " + scenario); return 2;
            }
        }
        Console.WriteLine("mono-stress {0}: {1} sales in {2:F1} s, {3} failed", scenario, sales,
            (DateTime.UtcNow - started).TotalSeconds, failures);
        Console.WriteLine("main returning");
        Console.Out.Flush();
        return failures == 0 && sales > 0 ? 0 : 1;
    }
}
