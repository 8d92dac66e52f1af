package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// runBench times Istio's /inject handler in-process on AdmissionReview files, for comparison
// with our `admission::review` on the same files (bench/istio.sh):
//
//	istio-oracle bench [settings flags] [-n N] [-time D] [-path P] FILE...
//
// Per file, after a check that Istio answers it with a patch and a warm-up, one line:
//
//	NAME n=N wall_ns=… cpu_ns=… allocs=… bytes=… gcs=… answer_bytes=…
//
// wall_ns and cpu_ns are per review; cpu_ns is the process's user+system time (getrusage), so
// it includes the garbage collector's background work, which wall time on a multi-core machine
// hides. allocs and bytes are heap allocations per review (runtime.MemStats), gcs the number of
// collections during the run.
func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var s settingsFlags
	s.attach(fs)
	n := fs.Int("n", 0, "reviews per file (0: as many as fit in -time)")
	dur := fs.Duration("time", 2*time.Second, "time per file when -n is 0")
	path := fs.String("path", "/inject", "request path")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("bench: no AdmissionReview files given")
	}
	j, err := s.load()
	if err != nil {
		return err
	}
	mux, err := handlerFor(j)
	if err != nil {
		return err
	}
	for _, file := range fs.Args() {
		body, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		answer, err := checkAnswer(mux, *path, body)
		if err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
		count := *n
		if count <= 0 {
			count = calibrate(mux, *path, body, *dur)
		}
		st := timeReviews(mux, *path, body, count)
		fmt.Printf("%s n=%d wall_ns=%d cpu_ns=%d allocs=%d bytes=%d gcs=%d answer_bytes=%d\n",
			name, count, st.wallNs, st.cpuNs, st.allocs, st.bytes, st.gcs, answer)
	}
	return nil
}

// checkAnswer reviews body once and fails unless Istio allowed it with a JSON patch, so the
// timing below measures an injection, not an error path. It returns the answer's size.
func checkAnswer(mux *http.ServeMux, path string, body []byte) (int, error) {
	code, out := serveReview(mux, path, body)
	if code != http.StatusOK {
		return 0, fmt.Errorf("status %d: %s", code, strings.TrimSpace(string(out)))
	}
	var ar struct {
		Response *struct {
			Allowed bool   `json:"allowed"`
			Patch   []byte `json:"patch"`
			Result  any    `json:"status"`
		} `json:"response"`
	}
	if err := json.Unmarshal(out, &ar); err != nil {
		return 0, fmt.Errorf("answer is not an AdmissionReview: %v", err)
	}
	if ar.Response == nil || !ar.Response.Allowed || len(ar.Response.Patch) == 0 {
		return 0, fmt.Errorf("not injected: %s", out)
	}
	return len(out), nil
}

// calibrate warms up for about a tenth of d and returns the count that takes about d.
func calibrate(mux *http.ServeMux, path string, body []byte, d time.Duration) int {
	t0 := time.Now()
	i := 0
	for time.Since(t0) < d/10 {
		serveReview(mux, path, body)
		i++
	}
	per := time.Since(t0) / time.Duration(i)
	return max(1, int(d/max(per, 1)))
}

type benchStats struct {
	wallNs, cpuNs, allocs, bytes int64
	gcs                          uint32
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timeReviews runs the handler n times on body; figures are per review.
func timeReviews(mux *http.ServeMux, path string, body []byte, n int) benchStats {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	c0, t0 := cpuTime(), time.Now()
	for range n {
		serveReview(mux, path, body)
	}
	wall, cpu := time.Since(t0), cpuTime()-c0
	runtime.ReadMemStats(&m1)
	per := func(v int64) int64 { return v / int64(n) }
	return benchStats{
		wallNs: per(wall.Nanoseconds()),
		cpuNs:  per(cpu.Nanoseconds()),
		allocs: per(int64(m1.Mallocs - m0.Mallocs)),
		bytes:  per(int64(m1.TotalAlloc - m0.TotalAlloc)),
		gcs:    m1.NumGC - m0.NumGC,
	}
}
