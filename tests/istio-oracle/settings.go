package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"istio.io/istio/operator/pkg/render"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/util/protomarshal"
)

// settingsOut is what `settings` prints: the istio-sidecar-injector ConfigMap's `values` and
// `config`, and the effective MeshConfig (protojson names, as YAML).
type settingsOut struct {
	Values string `json:"values"`
	Config string `json:"config"`
	Mesh   string `json:"mesh"`
}

type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint(*m) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runSettings(args []string) error {
	fs := flag.NewFlagSet("settings", flag.ContinueOnError)
	var sets multiFlag
	fs.Var(&sets, "set", "an IstioOperator --set flag (repeatable)")
	iop := fs.String("iop", "", "an IstioOperator file (TestInjection's inFilePath)")
	overlay := fs.String("mesh-overlay", "", "MeshConfig YAML applied over the rendered mesh config")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var overlayText string
	if *overlay != "" {
		b, err := os.ReadFile(*overlay)
		if err != nil {
			return err
		}
		overlayText = string(b)
	}
	out, err := renderSettings(sets, *iop, overlayText)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// renderSettings renders the charts as Istio's getInjectionSettings (webhook_test.go) does:
// profile=empty, pilot on, the module's own manifests, then the given --set flags and file.
func renderSettings(setFlags []string, iopFile, meshOverlay string) (settingsOut, error) {
	var out settingsOut
	dir, err := moduleDir()
	if err != nil {
		return out, err
	}
	flags := append(append([]string{}, setFlags...),
		"installPackagePath="+filepath.Join(dir, "manifests"), "profile=empty", "components.pilot.enabled=true")
	var files []string
	if iopFile != "" {
		files = []string{iopFile}
	}
	manifests, _, err := render.GenerateManifest(files, flags, false, nil, nil)
	if err != nil {
		return out, fmt.Errorf("failed to generate manifests: %v", err)
	}
	meshData := ""
	for _, set := range manifests {
		for _, o := range set.Manifests {
			if o.GetKind() != "ConfigMap" {
				continue
			}
			data, _ := o.Object["data"].(map[string]any)
			switch o.GetName() {
			case "istio-sidecar-injector":
				out.Values, _ = data["values"].(string)
				out.Config, _ = data["config"].(string)
			case "istio":
				meshData, _ = data["mesh"].(string)
			}
		}
	}
	if out.Values == "" || out.Config == "" {
		return out, fmt.Errorf("rendered charts have no istio-sidecar-injector ConfigMap")
	}
	mc, err := mesh.ApplyMeshConfig(meshData, mesh.DefaultMeshConfig())
	if err != nil {
		return out, fmt.Errorf("mesh config: %v", err)
	}
	if meshOverlay != "" {
		if mc, err = mesh.ApplyMeshConfig(meshOverlay, mc); err != nil {
			return out, fmt.Errorf("--mesh-overlay: %v", err)
		}
	}
	if out.Mesh, err = protomarshal.ToYAML(mc); err != nil {
		return out, err
	}
	return out, nil
}
