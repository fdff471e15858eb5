package main

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*HostClient).connsCleaner"))
}

func TestEveryMeasurementProducesPlausibleRows(t *testing.T) {
	for _, m := range measurements {
		rows, err := m.run(50)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if len(rows) == 0 {
			t.Fatalf("%s produced no rows", m.name)
		}
		for _, r := range rows {
			if r.Value <= 0 || r.Unit == "" || r.Metric == "" {
				t.Fatalf("implausible row %+v", r)
			}
		}
	}
}
