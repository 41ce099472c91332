// Gantry's side: `gantry plan -o json` for its plan (timed as a whole process, reading and
// expanding the manifests included), and `gantry plan -o pods` for the pods it expanded, which
// Karpenter is then given, so that neither tool sees pods the other did not.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

type gantryResult struct {
	pricePerHour  float64
	lowerBound    float64
	nodes         int
	unschedulable int
	wall          time.Duration
}

// The parts of `gantry plan -o json` the table shows (README.md, `gantry plan`).
type gantryPlan struct {
	NodeClaims []struct {
		InstanceType string  `json:"instance_type"`
		Price        float64 `json:"price_per_hour"`
	} `json:"nodeclaims"`
	Unschedulable []json.RawMessage `json:"unschedulable"`
	Errors        []json.RawMessage `json:"errors"`
	Total         float64           `json:"total_price_per_hour"`
	LowerBound    float64           `json:"lower_bound_price_per_hour"`
}

func runGantry(binary, input, region, output string) ([]byte, time.Duration, error) {
	cmd := exec.Command(binary, "plan", "--pods", input, "--region", region, "-o", output)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return nil, wall, fmt.Errorf("gantry plan --pods %s -o %s: %v: %s", input, output, err, stderr.String())
	}
	return stdout.Bytes(), wall, nil
}

// planGantry runs `gantry plan -o json` `repeats` times and keeps the fastest wall time, so a
// busy machine's noise does not count against either tool (Karpenter gets the same).
func planGantry(binary, input, region string, repeats int) (gantryResult, error) {
	var best time.Duration
	var out []byte
	for i := 0; i < repeats; i++ {
		o, wall, err := runGantry(binary, input, region, "json")
		if err != nil {
			return gantryResult{}, err
		}
		if i == 0 || wall < best {
			best = wall
		}
		out = o
	}
	var plan gantryPlan
	if err := json.Unmarshal(out, &plan); err != nil {
		return gantryResult{}, fmt.Errorf("gantry plan -o json: %w", err)
	}
	if len(plan.Errors) > 0 {
		return gantryResult{}, fmt.Errorf("gantry plan %s reported errors: %s", input, plan.Errors[0])
	}
	return gantryResult{pricePerHour: plan.Total, lowerBound: plan.LowerBound, nodes: len(plan.NodeClaims),
		unschedulable: len(plan.Unschedulable), wall: best}, nil
}

// expandedPods returns the pods Gantry planned, as v1 Pods. Karpenter caches per-pod data by
// UID, so pods without one (all that Gantry expands from workloads) get a unique one.
func expandedPods(binary, input, region string) ([]*corev1.Pod, error) {
	out, _, err := runGantry(binary, input, region, "pods")
	if err != nil {
		return nil, err
	}
	var list corev1.PodList
	if err := json.Unmarshal(out, &list); err != nil {
		return nil, fmt.Errorf("gantry plan -o pods: %w", err)
	}
	pods := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		pods[i] = &list.Items[i]
		if pods[i].UID == "" {
			pods[i].UID = types.UID(fmt.Sprintf("gantry-pod-%d", i))
		}
	}
	return pods, nil
}
