{{/*
Names, labels and the two documents the server reads, shared by every template.
*/}}

{{- define "sidecar-injector.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Namespaced objects: the release name, suffixed with the chart name unless it has it. */}}
{{- define "sidecar-injector.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Cluster-scoped objects (webhook configuration, ClusterRole, ClusterRoleBinding): releases of the
same name in two namespaces must not collide, so outside istio-system the namespace is appended,
as Istio names its own webhook configuration.
*/}}
{{- define "sidecar-injector.clusterName" -}}
{{- if eq .Release.Namespace "istio-system" }}
{{- include "sidecar-injector.fullname" . }}
{{- else }}
{{- printf "%s-%s" (include "sidecar-injector.fullname" .) .Release.Namespace }}
{{- end }}
{{- end }}

{{- define "sidecar-injector.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sidecar-injector.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sidecar-injector.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "sidecar-injector.labels" -}}
helm.sh/chart: {{ include "sidecar-injector.chart" . }}
{{ include "sidecar-injector.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: webhook
app.kubernetes.io/part-of: istio
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "sidecar-injector.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sidecar-injector.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "sidecar-injector.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- end }}
{{- end }}

{{/* Where the Deployment mounts what the server reads. */}}
{{- define "sidecar-injector.configDir" -}}/etc/sidecar-injector{{- end }}
{{- define "sidecar-injector.tlsDir" -}}/var/run/secrets/sidecar-injector/tls{{- end }}
{{- define "sidecar-injector.certDir" -}}/var/run/sidecar-injector/certs{{- end }}

{{/* cert-manager objects. */}}
{{- define "sidecar-injector.servingCertificate" -}}
{{- printf "%s-serving" (include "sidecar-injector.fullname" .) }}
{{- end }}
{{- define "sidecar-injector.tlsSecret" -}}
{{- printf "%s-tls" (include "sidecar-injector.fullname" .) }}
{{- end }}

{{- define "sidecar-injector.selfManaged" -}}
{{- if eq .Values.certificates.mode "selfManaged" }}true{{ end }}
{{- end }}

{{/*
The server's --valuesFile: the `values` tree of Istio's istio-sidecar-injector ConfigMap.
The webhook's reinvocation policy is written back so the tree tells the truth about the install.
*/}}
{{- define "sidecar-injector.injectorValues" -}}
{{- $webhook := deepCopy .Values.sidecarInjectorWebhook }}
{{- $_ := set $webhook "reinvocationPolicy" .Values.webhook.reinvocationPolicy }}
{{- $values := dict
  "global" .Values.global
  "sidecarInjectorWebhook" $webhook
  "revision" (.Values.revision | toString)
  "pilot" .Values.pilot
  "gateways" .Values.gateways }}
{{- toYaml $values }}
{{- end }}

{{/*
The server's --meshConfigFile: what Istio's chart derives from `global` and `revision`, with
`meshConfig` merged over it.
*/}}
{{- define "sidecar-injector.meshConfig" -}}
{{- $istiod := "istiod" }}
{{- if .Values.revision }}
{{- $istiod = printf "istiod-%s" .Values.revision }}
{{- end }}
{{- $defaultConfig := dict "discoveryAddress" (printf "%s.%s.svc:15012" $istiod .Values.global.istioNamespace) }}
{{- with .Values.global.meshID }}
{{- $_ := set $defaultConfig "meshId" . }}
{{- end }}
{{- with (.Values.global.proxy.variant | default .Values.global.variant) }}
{{- $_ := set $defaultConfig "image" (dict "imageType" .) }}
{{- end }}
{{- $mesh := dict
  "trustDomain" "cluster.local"
  "rootNamespace" .Values.global.istioNamespace
  "defaultProviders" (dict "metrics" (list "prometheus"))
  "defaultConfig" $defaultConfig }}
{{- toYaml (mergeOverwrite $mesh (deepCopy .Values.meshConfig)) }}
{{- end }}
