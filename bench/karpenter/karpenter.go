// Karpenter's provisioning scheduler (Scheduler.Solve) on a set of pending pods, set up as its
// provisioner does for a cluster with no nodes yet, and each resulting NodeClaim priced as the
// AWS provider's launch would buy it.
package main

import (
	"context"
	"fmt"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	fakecr "sigs.k8s.io/controller-runtime/pkg/client/fake"

	karpv1 "sigs.k8s.io/karpenter/pkg/apis/v1"
	"sigs.k8s.io/karpenter/pkg/cloudprovider"
	"sigs.k8s.io/karpenter/pkg/cloudprovider/fake"
	"sigs.k8s.io/karpenter/pkg/controllers/provisioning/scheduling"
	"sigs.k8s.io/karpenter/pkg/controllers/state"
	"sigs.k8s.io/karpenter/pkg/events"
	coreoptions "sigs.k8s.io/karpenter/pkg/operator/options"
	kscheduling "sigs.k8s.io/karpenter/pkg/scheduling"

	awsoptions "github.com/aws/karpenter-provider-aws/pkg/operator/options"
)

// karpenterContext carries the options Karpenter's binaries would parse from their flags, at
// the defaults of the Helm chart: one CPU requested (so one scheduling worker, as the
// provisioner derives it), preferences respected, minValues strict, reserved capacity on, and
// the provider's 7.5% VM memory overhead.
func karpenterContext() context.Context {
	ctx := coreoptions.ToContext(context.Background(), &coreoptions.Options{
		CPURequests:       1000,
		MemoryLimit:       -1,
		PreferencePolicy:  coreoptions.PreferencePolicyRespect,
		MinValuesPolicy:   coreoptions.MinValuesPolicyStrict,
		IgnoreDRARequests: true,
		BatchMaxDuration:  10 * time.Second,
		BatchIdleDuration: time.Second,
		FeatureGates:      coreoptions.FeatureGates{ReservedCapacity: true},
	})
	return awsoptions.ToContext(ctx, &awsoptions.Options{VMMemoryOverheadPercent: 0.075})
}

// defaultNodePool is Gantry's embedded default NodePool (src/api/nodepool.cpp) in Karpenter's
// terms: linux, amd64, on-demand. Its fourth requirement, current generation, has no Karpenter
// label; instanceTypes() leaves previous-generation families out instead.
func defaultNodePool() *karpv1.NodePool {
	return &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: "default", UID: "default-uid"},
		Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
				{Key: corev1.LabelOSStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"linux"}},
				{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}},
				{Key: karpv1.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{karpv1.CapacityTypeOnDemand}},
			},
		}}},
	}
}

// What each node costs besides its instance: the 20 GiB gp3 root volume of the default
// (AL2023) EC2NodeClass, at $0.08 per GiB-month over 730 hours. Gantry's plan counts the same
// per node (cloudprovider/aws/node_fixed_cost.h), so both totals are whole node costs.
const nodeFixedCostPerHour = 20 * 0.08 / 730

type karpenterResult struct {
	pricePerHour  float64
	nodes         int
	unschedulable int
	wall          time.Duration // NewTopology + NewScheduler + Solve
}

// solveKarpenter runs the scheduler as the provisioner's Schedule does (same options, no
// existing nodes, no DaemonSets) and prices its NodeClaims.
func solveKarpenter(ctx context.Context, its []*cloudprovider.InstanceType, pods []*corev1.Pod) (karpenterResult, error) {
	pool := defaultNodePool()
	pools := []*karpv1.NodePool{pool}
	byPool := map[string][]*cloudprovider.InstanceType{pool.Name: its}
	kubeClient := fakecr.NewFakeClient()
	clk := clock.RealClock{}
	// The cluster state only answers "which nodes exist": none. Its cloud provider is never asked.
	cluster := state.NewCluster(clk, kubeClient, fake.NewCloudProvider())
	opts := []scheduling.Options{
		scheduling.DisableReservedCapacityFallback,
		scheduling.NumConcurrentReconciles(int(math.Ceil(float64(coreoptions.FromContext(ctx).CPURequests) / 1000.0))),
		scheduling.MinValuesPolicy(coreoptions.FromContext(ctx).MinValuesPolicy),
	}
	start := time.Now()
	topology, err := scheduling.NewTopology(ctx, kubeClient, cluster, nil, pools, byPool, pods, opts...)
	if err != nil {
		return karpenterResult{}, fmt.Errorf("karpenter topology: %w", err)
	}
	s := scheduling.NewScheduler(ctx, kubeClient, pools, cluster, nil, topology, byPool, nil,
		events.NewRecorder(&record.FakeRecorder{}), clk, nil, nil, opts...)
	results, err := s.Solve(ctx, pods)
	wall := time.Since(start)
	if err != nil {
		return karpenterResult{}, fmt.Errorf("karpenter solve: %w", err)
	}
	out := karpenterResult{nodes: len(results.NewNodeClaims), unschedulable: len(results.PodErrors), wall: wall}
	for _, nc := range results.NewNodeClaims {
		price, ok := launchPrice(nc.InstanceTypeOptions, nc.Requirements)
		if !ok {
			return karpenterResult{}, fmt.Errorf("a NodeClaim for %d pods has no available offering", len(nc.Pods))
		}
		out.pricePerHour += price + nodeFixedCostPerHour
	}
	return out, nil
}

// launchPrice is what the AWS provider's CreateFleet call would pay: it launches the first of
// reserved, spot, on-demand that the NodeClaim allows and some option offers, and with the
// lowest-price allocation strategy EC2 fills it from the cheapest (type, zone) override. Spot
// launches use price-capacity-optimized in Karpenter, so for a spot NodeClaim this is a lower
// bound; the bench's NodePool is on-demand only.
func launchPrice(options []*cloudprovider.InstanceType, reqs kscheduling.Requirements) (float64, bool) {
	for _, capacityType := range []kscheduling.Requirements{
		cloudprovider.ReservedRequirement, cloudprovider.SpotRequirement, cloudprovider.OnDemandRequirement,
	} {
		var offers cloudprovider.Offerings
		for _, it := range options {
			offers = append(offers, it.Offerings.Available().Compatible(reqs).Compatible(capacityType)...)
		}
		if cheapest := offers.Cheapest(); cheapest != nil {
			return cheapest.Price, true
		}
	}
	return 0, false
}
