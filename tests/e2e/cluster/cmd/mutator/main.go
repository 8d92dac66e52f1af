// Command mutator is a second, tiny mutating admission webhook for the
// reinvocation scenario: it appends one container named "late-helper" to any
// Pod that lacks it, after the sidecar injector has run. With
// reinvocationPolicy IfNeeded the API server then calls the injector again,
// which must leave exactly one sidecar.
//
// It also serves /capture, a webhook that changes nothing and keeps every AdmissionReview it
// receives (GET /captured returns {"reviews": [...], "protos": ["HTTP/2.0", ...]}): what a
// real API server sends, and over which HTTP version.
//
// Usage: mutator --listen 127.0.0.1:PORT --cert tls.crt --key tls.key
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"sync"
	"sync/atomic"
)

type review struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Request    *request        `json:"request,omitempty"`
	Response   json.RawMessage `json:"response,omitempty"`
}

type request struct {
	UID    string          `json:"uid"`
	Object json.RawMessage `json:"object"`
}

type pod struct {
	Spec struct {
		Containers []struct {
			Name string `json:"name"`
		} `json:"containers"`
	} `json:"spec"`
}

const helper = "late-helper"

var (
	calls    atomic.Int64
	mu       sync.Mutex
	captured []json.RawMessage
	protos   []string
)

// capture allows every request unchanged and remembers its body.
func capture(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	var in review
	if err := json.Unmarshal(body, &in); err != nil || in.Request == nil {
		http.Error(w, "body is not an AdmissionReview with a request", http.StatusBadRequest)
		return
	}
	mu.Lock()
	captured = append(captured, json.RawMessage(body))
	protos = append(protos, r.Proto)
	mu.Unlock()
	out, _ := json.Marshal(map[string]any{
		"apiVersion": in.APIVersion,
		"kind":       in.Kind,
		"response":   map[string]any{"uid": in.Request.UID, "allowed": true},
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

func mutate(w http.ResponseWriter, r *http.Request) {
	calls.Add(1)
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
		return
	}
	var in review
	if err := json.Unmarshal(body, &in); err != nil || in.Request == nil {
		http.Error(w, "body is not an AdmissionReview with a request", http.StatusBadRequest)
		return
	}
	var p pod
	if err := json.Unmarshal(in.Request.Object, &p); err != nil {
		http.Error(w, "request.object is not a Pod: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp := map[string]any{"uid": in.Request.UID, "allowed": true}
	present := false
	for _, c := range p.Spec.Containers {
		present = present || c.Name == helper
	}
	if !present {
		patch := []map[string]any{{
			"op":   "add",
			"path": "/spec/containers/-",
			"value": map[string]any{
				"name":    helper,
				"image":   "registry.example/late-helper:1",
				"command": []string{"sleep", "infinity"},
			},
		}}
		raw, _ := json.Marshal(patch)
		resp["patchType"] = "JSONPatch"
		resp["patch"] = raw // []byte marshals as base64, as AdmissionReview wants
	}
	out, _ := json.Marshal(map[string]any{
		"apiVersion": in.APIVersion,
		"kind":       in.Kind,
		"response":   resp,
	})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve HTTPS on")
	cert := flag.String("cert", "", "serving certificate (PEM)")
	key := flag.String("key", "", "serving key (PEM)")
	flag.Parse()
	if *cert == "" || *key == "" {
		log.Fatal("--cert and --key are required")
	}
	http.HandleFunc("/mutate", mutate)
	http.HandleFunc("/capture", capture)
	http.HandleFunc("/captured", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"reviews": captured, "protos": protos})
	})
	http.HandleFunc("/calls", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%d\n", calls.Load())
	})
	log.Printf("mutator listening on https://%s/mutate", *listen)
	log.Fatal(http.ListenAndServeTLS(*listen, *cert, *key, nil))
}
