//go:build linux

package scanner

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmp-dev/vmp/scanner/scannertest"
)

// The benchmarks drive the real tarm/serial driver through a pseudo-terminal. Latency runs
// from the moment the frame's last byte (its terminator) is written into the pty to the moment
// the code reaches the till: the callback is entered, or the pull call returns. They report
// the median and 99th percentile; `make bench` prints them.

const benchFrame = "]Q1" + tokenQR

func BenchmarkScanLatencyPtyToCallback(b *testing.B) {
	p := scannertest.OpenPTY(b)
	_, q := startScanner(b, ptyConfig(p.Path))
	arrived := make(chan time.Time, 1)
	q.SetHandler(func(ev Event) {
		if ev.Kind == EventScan {
			arrived <- time.Now()
		}
	}, false)
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Send(b, benchFrame)
		written := time.Now()
		p.Send(b, "\n")
		select {
		case at := <-arrived:
			latencies = append(latencies, at.Sub(written))
		case <-time.After(eventWait):
			b.Fatal("no callback")
		}
	}
	reportLatency(b, latencies)
}

func BenchmarkScanLatencyPtyToPull(b *testing.B) {
	p := scannertest.OpenPTY(b)
	_, q := startScanner(b, ptyConfig(p.Path))
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Send(b, benchFrame)
		written := time.Now()
		p.Send(b, "\n")
		ev, err := q.Next(context.Background(), eventWait, nil)
		if err != nil || ev.Kind != EventScan {
			b.Fatalf("got %s, %v", ev, err)
		}
		latencies = append(latencies, time.Since(written))
	}
	reportLatency(b, latencies)
}

// BenchmarkScanThroughputPty writes frames as fast as the pty takes them, keeping at most
// window scans in flight (so the queue never overflows), and pulls them as they come: the scans
// per second the reader sustains.
func BenchmarkScanThroughputPty(b *testing.B) {
	p := scannertest.OpenPTY(b)
	_, q := startScanner(b, ptyConfig(p.Path))
	const perWrite, window = 32, 512
	batch := strings.Repeat(benchFrame+"\r\n", perWrite)
	writeErr := make(chan error, 1)
	credit := make(chan struct{}, window)
	for i := 0; i < window/perWrite; i++ {
		credit <- struct{}{}
	}
	b.ResetTimer()
	start := time.Now()
	go func() {
		for sent := 0; sent < b.N; sent += perWrite {
			<-credit
			chunk := batch[:min(perWrite, b.N-sent)*len(benchFrame+"\r\n")]
			if _, err := p.Master.Write([]byte(chunk)); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- nil
	}()
	for got := 0; got < b.N; {
		ev, err := q.Next(context.Background(), eventWait, nil)
		if err != nil || ev.Kind != EventScan {
			b.Fatalf("after %d scans: got %s, %v", got, ev, err)
		}
		if got++; got%perWrite == 0 {
			select {
			case credit <- struct{}{}:
			default:
			}
		}
	}
	elapsed := time.Since(start)
	if err := <-writeErr; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "scans/s")
}

func reportLatency(b *testing.B, latencies []time.Duration) {
	b.StopTimer()
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(latencies[min(len(latencies)-1, len(latencies)*99/100)].Microseconds()), "p99-µs")
}
