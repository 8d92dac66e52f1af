// Command istio-oracle runs Istio's own sidecar injection code (istio.io/istio pkg/kube/inject,
// at the commit go.mod pins) so that our injector can be compared with it. It copies no Istio
// code: templates come from the module's chart files in the module cache.
//
//	istio-oracle kube-inject -f FILE [--valuesFile F] [--meshConfigFile F] [--native-sidecars=BOOL] [--revision R]
//	istio-oracle kube-inject --batch     JSON lines {input, values, mesh, native, revision} -> {output|error, warnings}
//	istio-oracle review [same settings flags]  JSON lines: an AdmissionReview, or {review, values, mesh, native, revision, path}
//	istio-oracle bench [same settings flags] [-n N] [-time D] FILE...  Istio's /inject handler timed in-process (bench.go)
//	istio-oracle settings [--set K=V]... [--iop FILE] [--mesh-overlay FILE]  -> JSON {values, config, mesh}
//	istio-oracle sort        JSON lines {less: ["0110", ...]} -> the permutation Go's sort.Sort leaves (golib.go)
//	istio-oracle unicode     -> JSON {letter, digit, print, space: [[lo, hi], ...]}, Go's unicode classes
//	istio-oracle case        -> JSON {upper, lower, title: [[rune, mapped], ...]}, Go's simple case mappings
//	istio-oracle module-dir
//
// kube-inject mirrors `istioctl kube-inject` with --valuesFile/--meshConfigFile (no cluster: the
// injector is nil, native sidecars follow the flag as PILOT_ENABLE_NATIVE_SIDECARS would), and
// review mirrors istiod's /inject handler, built as Istio's TestInjection builds its Webhook.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"istio.io/istio/pkg/log"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	quietLogs()
	var err error
	switch os.Args[1] {
	case "kube-inject":
		err = runKubeInject(os.Args[2:])
	case "review":
		err = runReview(os.Args[2:])
	case "bench":
		err = runBench(os.Args[2:])
	case "settings":
		err = runSettings(os.Args[2:])
	case "sort":
		err = runSort()
	case "unicode":
		err = runUnicode()
	case "case":
		err = runCase()
	case "module-dir":
		var dir string
		if dir, err = moduleDir(); err == nil {
			fmt.Println(dir)
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: istio-oracle kube-inject|review|bench|settings|sort|unicode|case|module-dir [flags]")
	os.Exit(2)
}

// quietLogs sends Istio's logs to stderr (stdout carries results) and keeps only errors unless
// ORACLE_LOG is set to a level.
func quietLogs() {
	o := log.DefaultOptions()
	o.OutputPaths = []string{"stderr"}
	o.ErrorOutputPaths = []string{"stderr"}
	level := log.NoneLevel
	if os.Getenv("ORACLE_LOG") != "" {
		level = log.DebugLevel
	}
	o.SetDefaultOutputLevel(log.OverrideScopeName, level)
	_ = log.Configure(o)
}

// settingsFlags are the flags kube-inject and review share.
type settingsFlags struct {
	values   string
	mesh     string
	native   bool
	revision string
}

func (s *settingsFlags) attach(fs *flag.FlagSet) {
	fs.StringVar(&s.values, "valuesFile", "", "injector values (the istio-sidecar-injector ConfigMap's values)")
	fs.StringVar(&s.mesh, "meshConfigFile", "", "MeshConfig file")
	fs.BoolVar(&s.native, "native-sidecars", true, "render istio-proxy as a native sidecar")
	fs.StringVar(&s.revision, "revision", "", "control-plane revision")
}

func (s *settingsFlags) load() (job, error) {
	j := job{Native: &s.native, Revision: s.revision}
	if s.values != "" {
		b, err := os.ReadFile(s.values)
		if err != nil {
			return j, fmt.Errorf("reading --valuesFile: %v", err)
		}
		j.Values = string(b)
	}
	if s.mesh != "" {
		b, err := os.ReadFile(s.mesh)
		if err != nil {
			return j, fmt.Errorf("reading --meshConfigFile: %v", err)
		}
		j.Mesh = string(b)
	}
	return j, nil
}

// job is one batch line: the settings and the input (a manifest, or an AdmissionReview).
type job struct {
	Input    string          `json:"input,omitempty"`
	Review   json.RawMessage `json:"review,omitempty"`
	Values   string          `json:"values,omitempty"`
	Mesh     string          `json:"mesh,omitempty"`
	Native   *bool           `json:"native,omitempty"`
	Revision string          `json:"revision,omitempty"`
	Path     string          `json:"path,omitempty"`
}

func (j job) native() bool { return j.Native == nil || *j.Native }

type result struct {
	Output   *string         `json:"output,omitempty"`
	Status   int             `json:"status,omitempty"`
	Review   json.RawMessage `json:"review,omitempty"`
	Error    string          `json:"error,omitempty"`
	Warnings []string        `json:"warnings,omitempty"`
}

func runKubeInject(args []string) error {
	fs := flag.NewFlagSet("kube-inject", flag.ContinueOnError)
	var s settingsFlags
	s.attach(fs)
	file := fs.String("f", "", "input file (- for stdin)")
	fs.StringVar(file, "filename", "", "input file (- for stdin)")
	batch := fs.Bool("batch", false, "read JSON lines {input, values, mesh, native, revision} on stdin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *batch {
		return eachLine(os.Stdin, os.Stdout, func(line []byte) result {
			var j job
			if err := json.Unmarshal(line, &j); err != nil {
				return result{Error: fmt.Sprintf("oracle: bad batch line: %v", err)}
			}
			return kubeInject(j)
		})
	}
	if *file == "" {
		return fmt.Errorf("filename not specified (see --filename or -f)")
	}
	j, err := s.load()
	if err != nil {
		return err
	}
	var in []byte
	if *file == "-" {
		in, err = io.ReadAll(os.Stdin)
	} else {
		in, err = os.ReadFile(*file)
	}
	if err != nil {
		return err
	}
	j.Input = string(in)
	r := kubeInject(j)
	for _, w := range r.Warnings {
		fmt.Fprintln(os.Stderr, w)
	}
	if r.Error != "" {
		return fmt.Errorf("%s", r.Error)
	}
	_, err = io.WriteString(os.Stdout, *r.Output)
	return err
}

func runReview(args []string) error {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	var s settingsFlags
	s.attach(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	defaults, err := s.load()
	if err != nil {
		return err
	}
	return eachLine(os.Stdin, os.Stdout, func(line []byte) result {
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(line, &probe); err != nil {
			return result{Error: fmt.Sprintf("oracle: bad review line: %v", err)}
		}
		j := defaults
		if _, enveloped := probe["review"]; enveloped {
			j = job{}
			if err := json.Unmarshal(line, &j); err != nil {
				return result{Error: fmt.Sprintf("oracle: bad review line: %v", err)}
			}
		} else {
			j.Review = append(json.RawMessage(nil), line...)
		}
		return review(j)
	})
}

// eachLine answers every non-empty input line with one JSON line, flushed at once so a caller
// can keep the process open and talk to it line by line.
func eachLine(in io.Reader, out io.Writer, f func([]byte) result) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		if err := enc.Encode(f(line)); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}
