package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkReview times Istio's /inject handler on each AdmissionReview in $ORACLE_BENCH_DIR
// (`bench_tool gen DIR` writes the four generated pods), with Istio's released default
// settings and native sidecars off (what our benches use):
//
//	ORACLE_BENCH_DIR=DIR go test -run '^$' -bench Review -benchmem
//
// Besides ns/op, B/op and allocs/op it reports cpu-ns/op: the process's CPU time per review,
// which includes the garbage collector's background work.
func BenchmarkReview(b *testing.B) {
	dir := os.Getenv("ORACLE_BENCH_DIR")
	if dir == "" {
		b.Skip("ORACLE_BENCH_DIR is not set (bench_tool gen DIR writes the pods)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no AdmissionReviews in %s (%v)", dir, err)
	}
	if istioDir == "" && os.Getenv("ISTIO_MODULE_DIR") == "" {
		// `go test` has no -ldflags -X main.istioDir: ask the go command where the module is.
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "istio.io/istio").Output()
		if err != nil {
			b.Fatalf("locating istio.io/istio (set ISTIO_MODULE_DIR): %v", err)
		}
		istioDir = strings.TrimSpace(string(out))
	}
	quietLogs()
	native := false
	mux, err := handlerFor(job{Native: &native})
	if err != nil {
		b.Fatal(err)
	}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := checkAnswer(mux, "/inject", body); err != nil {
			b.Fatalf("%s: %v", file, err)
		}
		b.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			c0 := cpuTime()
			for b.Loop() {
				serveReview(mux, "/inject", body)
			}
			b.ReportMetric(float64((cpuTime()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
