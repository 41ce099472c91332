// Karpenter's own scheduling benchmark mix (makeDiversePods in sigs.k8s.io/karpenter's
// pkg/controllers/provisioning/scheduling/scheduling_benchmark_test.go), written as a v1 List of
// Pods that `gantry plan` reads. The shape follows that benchmark: a fifth each of plain pods,
// zone topology spread, hostname topology spread, zone pod affinity (to themselves) and hostname
// pod anti-affinity (all to each other), the rest plain; CPU among 100m..1500m and memory among
// 100Mi..4Gi, labels among seven values, drawn from a generator seeded with 42, as there.
package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
)

var (
	mixCPU    = []string{"100m", "250m", "500m", "1000m", "1500m"}
	mixMemory = []string{"100Mi", "256Mi", "512Mi", "1024Mi", "2048Mi", "4096Mi"}
	mixLabel  = []string{"a", "b", "c", "d", "e", "f", "g"}
)

type mixGen struct {
	r    *rand.Rand
	pods []map[string]any
}

func (g *mixGen) label() string { return mixLabel[g.r.Intn(len(mixLabel))] }

// add appends one pod; the CPU and memory draws come last, as in the benchmark's builders.
func (g *mixGen) add(kind string, labels map[string]string, spec map[string]any) {
	requests := map[string]string{}
	requests["cpu"] = mixCPU[g.r.Intn(len(mixCPU))]
	requests["memory"] = mixMemory[g.r.Intn(len(mixMemory))]
	spec["containers"] = []any{map[string]any{
		"name": "app", "image": "public.ecr.aws/eks-distro/kubernetes/pause:3.2",
		"resources": map[string]any{"requests": requests},
	}}
	g.pods = append(g.pods, map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{
			"name": fmt.Sprintf("%s-%d", kind, len(g.pods)), "namespace": "default", "labels": labels,
		},
		"spec": spec,
	})
}

func (g *mixGen) generic(n int) {
	for i := 0; i < n; i++ {
		g.add("generic", map[string]string{"my-label": g.label()}, map[string]any{})
	}
}

// spread: the pod's labels and its constraint's selector are drawn independently, as there.
func (g *mixGen) spread(n int, key string) {
	for i := 0; i < n; i++ {
		labels := map[string]string{"my-label": g.label()}
		selector := map[string]string{"my-label": g.label()}
		g.add("spread", labels, map[string]any{"topologySpreadConstraints": []any{map[string]any{
			"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "DoNotSchedule",
			"labelSelector": map[string]any{"matchLabels": selector},
		}}})
	}
}

func (g *mixGen) affinity(n int, key string) {
	for i := 0; i < n; i++ {
		labels := map[string]string{"my-affininity": g.label()}
		g.add("affinity", labels, map[string]any{"affinity": map[string]any{"podAffinity": map[string]any{
			"requiredDuringSchedulingIgnoredDuringExecution": []any{map[string]any{
				"labelSelector": map[string]any{"matchLabels": labels}, "topologyKey": key,
			}},
		}}})
	}
}

func (g *mixGen) antiAffinity(n int, key string) {
	labels := map[string]string{"app": "nginx"}
	for i := 0; i < n; i++ {
		g.add("anti", labels, map[string]any{"affinity": map[string]any{"podAntiAffinity": map[string]any{
			"requiredDuringSchedulingIgnoredDuringExecution": []any{map[string]any{
				"labelSelector": map[string]any{"matchLabels": labels}, "topologyKey": key,
			}},
		}}})
	}
}

// diverseMix is makeDiversePods(count).
func diverseMix(count int) []map[string]any {
	g := &mixGen{r: rand.New(rand.NewSource(42))}
	fifth := count / 5
	g.generic(fifth)
	g.spread(fifth, "topology.kubernetes.io/zone")
	g.spread(fifth, "kubernetes.io/hostname")
	g.affinity(fifth, "topology.kubernetes.io/zone")
	g.antiAffinity(fifth, "kubernetes.io/hostname")
	g.generic(count - len(g.pods))
	return g.pods
}

// writeMixInputs writes karpenter-mix-<n>.json into dir for each size and returns their paths.
func writeMixInputs(dir string, sizes []int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, n := range sizes {
		path := filepath.Join(dir, fmt.Sprintf("karpenter-mix-%d.json", n))
		data, err := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": diverseMix(n)})
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
