{{/* Object names follow the release name: release "gantry" gives the names deploy/rbac.yaml uses. */}}
{{- define "gantry.name" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "gantry.serviceAccountName" -}}
{{- include "gantry.name" . -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "gantry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{ include "gantry.selectorLabels" . }}
{{- end -}}

{{/* The labels that select the controller pods: stable across upgrades (a Deployment's
     selector cannot change). */}}
{{- define "gantry.selectorLabels" -}}
app.kubernetes.io/name: gantry
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "gantry.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* The controller's command-line flags, one per non-empty setting (false leaves a switch off). */}}
{{- define "gantry.args" -}}
{{- $s := .Values.settings -}}
- controller
{{- range $flag, $value := dict
      "cluster-name" $s.clusterName "region" $s.region "kubeconfig" $s.kubeconfig
      "ec2-endpoint" $s.ec2Endpoint "ssm-endpoint" $s.ssmEndpoint "pricing-endpoint" $s.pricingEndpoint
      "sqs-endpoint" $s.sqsEndpoint "interruption-queue" $s.interruptionQueue
      "catalog" $s.catalog "batch-idle" $s.batchIdle "batch-max" $s.batchMax
      "registration-ttl" $s.registrationTtl "drift-check-interval" $s.driftCheckInterval
      "metrics-bind-address" $s.metricsBindAddress "health-bind-address" $s.healthBindAddress
      "leader-elect-namespace" $s.leaderElectNamespace "leader-elect-name" $s.leaderElectName
      "namespace" $s.namespace "nodepool-selector" $s.nodepoolSelector
      "log-level" $s.logLevel "log-format" $s.logFormat }}
{{- if not (kindIs "invalid" $value) }}{{ if ne (toString $value) "" }}
- {{ printf "--%s=%v" $flag $value | quote }}
{{- end }}{{ end }}
{{- end }}
{{- range $flag, $on := dict "skip-pricing" $s.skipPricing "leader-elect" $s.leaderElect }}
{{- if $on }}
- {{ printf "--%s" $flag | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The port of a host:port bind address (":8080", "0.0.0.0:8080", "[::]:8080" give 8080). */}}
{{- define "gantry.bindPort" -}}
{{- splitList ":" (toString .) | last -}}
{{- end -}}
