package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	meshapi "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/config/mesh/meshwatcher"
	"istio.io/istio/pkg/kube/inject"
	"istio.io/istio/pkg/kube/multicluster"
	"sigs.k8s.io/yaml"
)

// istioDir is the istio.io/istio module directory, set at build time (-ldflags -X main.istioDir=…);
// ISTIO_MODULE_DIR overrides it.
var istioDir string

func moduleDir() (string, error) {
	dir := os.Getenv("ISTIO_MODULE_DIR")
	if dir == "" {
		dir = istioDir
	}
	if dir == "" {
		return "", fmt.Errorf("istio.io/istio module directory unknown: build with -ldflags -X main.istioDir=DIR or set ISTIO_MODULE_DIR")
	}
	if _, err := os.Stat(filepath.Join(dir, "manifests")); err != nil {
		return "", fmt.Errorf("istio.io/istio module directory %s: %v (run `go mod download` in tests/istio-oracle)", dir, err)
	}
	return dir, nil
}

// builtinTemplates are the templates istio-sidecar-injector's ConfigMap always carries, by the
// chart file each comes from (istiod-injector-configmap.yaml), unless values override the name.
var builtinTemplates = map[string]string{
	"sidecar":      "injection-template.yaml",
	"gateway":      "gateway-injection-template.yaml",
	"grpc-simple":  "grpc-simple.yaml",
	"grpc-agent":   "grpc-agent.yaml",
	"waypoint":     "waypoint.yaml",
	"kube-gateway": "kube-gateway.yaml",
	"agentgateway": "agentgateway.yaml",
}

// settings are parsed values, mesh and injector config, cached by their text.
type settings struct {
	values  inject.ValuesConfig
	mesh    *meshapi.MeshConfig
	config  *inject.Config
	webhook map[string]*inject.Webhook
}

var settingsCache = map[string]*settings{}

var defaultValues *string

// defaultValuesText is the values TestInjection uses by default (the chart rendered with no flags).
func defaultValuesText() (string, error) {
	if defaultValues != nil {
		return *defaultValues, nil
	}
	out, err := renderSettings(nil, "", "")
	if err != nil {
		return "", err
	}
	defaultValues = &out.Values
	return out.Values, nil
}

func loadSettings(valuesText, meshText string) (*settings, error) {
	key := valuesText + "\x00" + meshText
	if s, ok := settingsCache[key]; ok {
		return s, nil
	}
	if valuesText == "" {
		v, err := defaultValuesText()
		if err != nil {
			return nil, err
		}
		valuesText = v
	}
	vc, err := inject.NewValuesConfig(valuesText)
	if err != nil {
		return nil, err
	}
	mc := mesh.DefaultMeshConfig()
	if meshText != "" {
		if mc, err = mesh.ApplyMeshConfigDefaults(meshText); err != nil {
			return nil, err
		}
	}
	raw, err := injectorConfigYAML(vc.Map())
	if err != nil {
		return nil, err
	}
	cfg, err := inject.UnmarshalConfig(raw)
	if err != nil {
		return nil, err
	}
	s := &settings{values: vc, mesh: mc, config: &cfg, webhook: map[string]*inject.Webhook{}}
	if len(settingsCache) > 64 {
		settingsCache = map[string]*settings{}
	}
	settingsCache[key] = s
	return s, nil
}

func lookup(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// injectorConfigYAML renders the ConfigMap's `config` key from values as the chart's
// istiod-injector-configmap.yaml does.
func injectorConfigYAML(values map[string]any) ([]byte, error) {
	dir, err := moduleDir()
	if err != nil {
		return nil, err
	}
	templates := map[string]any{}
	custom, _ := lookup(values, "sidecarInjectorWebhook", "templates").(map[string]any)
	for name, file := range builtinTemplates {
		if _, ok := custom[name]; ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "manifests/charts/istio-control/istio-discovery/files", file))
		if err != nil {
			return nil, err
		}
		templates[name] = strings.TrimSpace(string(b)) + "\n"
	}
	for name, t := range custom {
		templates[name] = t
	}
	cfg := map[string]any{
		"defaultTemplates":     []any{"sidecar"},
		"policy":               lookup(values, "global", "proxy", "autoInject"),
		"alwaysInjectSelector": lookup(values, "sidecarInjectorWebhook", "alwaysInjectSelector"),
		"neverInjectSelector":  lookup(values, "sidecarInjectorWebhook", "neverInjectSelector"),
		"injectedAnnotations":  lookup(values, "sidecarInjectorWebhook", "injectedAnnotations"),
		"templates":            templates,
	}
	if d, ok := lookup(values, "sidecarInjectorWebhook", "defaultTemplates").([]any); ok && len(d) > 0 {
		cfg["defaultTemplates"] = d
	}
	if ann, ok := cfg["injectedAnnotations"].(map[string]any); ok {
		// The chart quotes each value: `"{{ $key }}": {{ $val | quote }}`.
		for k, v := range ann {
			ann[k] = fmt.Sprint(v)
		}
	}
	return yaml.Marshal(cfg)
}

func setNative(native bool) {
	if native {
		features.EnableNativeSidecars = features.NativeSidecarModeEnabled
	} else {
		features.EnableNativeSidecars = features.NativeSidecarModeDisabled
	}
}

// guard turns a panic inside Istio's code into an error result, so one bad case cannot end a batch.
func guard(r *result) {
	if p := recover(); p != nil {
		*r = result{Error: fmt.Sprintf("oracle: panic: %v\n%s", p, debug.Stack())}
	}
}

// kubeInject runs what `istioctl kube-inject` runs once it has its templates, values and mesh.
func kubeInject(j job) (r result) {
	defer guard(&r)
	s, err := loadSettings(j.Values, j.Mesh)
	if err != nil {
		return result{Error: err.Error()}
	}
	setNative(j.native())
	rev := j.Revision
	if rev == "default" {
		rev = ""
	}
	mc, err := mesh.DeepCopyMeshConfig(s.mesh)
	if err != nil {
		return result{Error: err.Error()}
	}
	var out bytes.Buffer
	var warnings []string
	err = inject.IntoResourceFile(nil, s.config.Templates, s.values, rev, mc, strings.NewReader(j.Input), &out,
		func(w string) { warnings = append(warnings, w) })
	if err != nil {
		return result{Error: err.Error(), Warnings: warnings}
	}
	text := out.String()
	return result{Output: &text, Warnings: warnings}
}

// staticWatcher hands NewWebhook a fixed injector config and values.
type staticWatcher struct {
	config *inject.Config
	values string
}

func (w staticWatcher) SetHandler(func(*inject.Config, string) error) {}
func (w staticWatcher) Run(<-chan struct{})                           {}
func (w staticWatcher) Get() (*inject.Config, string, error)          { return w.config, w.values, nil }

func (s *settings) webhookFor(valuesText, revision string, native bool) (*inject.Webhook, *http.ServeMux, error) {
	mux := http.NewServeMux()
	env := &model.Environment{Watcher: meshwatcher.NewTestWatcher(s.mesh)}
	env.SetPushContext(&model.PushContext{ProxyConfigs: &model.ProxyConfigs{}})
	if valuesText == "" {
		v, err := defaultValuesText()
		if err != nil {
			return nil, nil, err
		}
		valuesText = v
	}
	wh, err := inject.NewWebhook(inject.WebhookParameters{
		Watcher:      staticWatcher{config: s.config, values: valuesText},
		Env:          env,
		Mux:          mux,
		Revision:     revision,
		MultiCluster: multicluster.NewFakeController(),
	})
	return wh, mux, err
}

var muxCache = map[string]*http.ServeMux{}

// handlerFor is istiod's HTTP mux with the /inject handler for a job's settings, built once per
// settings (cached), as Istio's TestInjection builds its Webhook.
func handlerFor(j job) (*http.ServeMux, error) {
	s, err := loadSettings(j.Values, j.Mesh)
	if err != nil {
		return nil, err
	}
	rev := j.Revision
	if rev == "" {
		rev = "default"
	}
	setNative(j.native())
	key := fmt.Sprintf("%s\x00%s\x00%s\x00%v", j.Values, j.Mesh, rev, j.native())
	if mux, ok := muxCache[key]; ok {
		return mux, nil
	}
	_, mux, err := s.webhookFor(j.Values, rev, j.native())
	if err != nil {
		return nil, err
	}
	if len(muxCache) > 64 {
		muxCache = map[string]*http.ServeMux{}
	}
	muxCache[key] = mux
	return mux, nil
}

// serveReview posts one AdmissionReview to the mux, as the API server would, and returns the
// status code and the answer's body.
func serveReview(mux *http.ServeMux, path string, body []byte) (int, []byte) {
	if path == "" {
		path = "/inject"
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// review answers one AdmissionReview as istiod's /inject handler does.
func review(j job) (r result) {
	defer guard(&r)
	mux, err := handlerFor(j)
	if err != nil {
		return result{Error: err.Error()}
	}
	code, body := serveReview(mux, j.Path, j.Review)
	if code != http.StatusOK {
		return result{Status: code, Error: strings.TrimSpace(string(body))}
	}
	return result{Status: code, Review: append([]byte(nil), body...)}
}
