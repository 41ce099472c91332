// Checks that the bench compares like with like: the mix has Karpenter's shape, the instance
// types carry Gantry's bundled prices and zones, and a NodeClaim is priced at its cheapest
// allowed offering.
package main

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	karpv1 "sigs.k8s.io/karpenter/pkg/apis/v1"
	"sigs.k8s.io/karpenter/pkg/cloudprovider"
	kscheduling "sigs.k8s.io/karpenter/pkg/scheduling"
)

const dataDir = "../../cloudprovider/catalog/data"

func TestDiverseMixHasAFifthOfEachKindAndIsDeterministic(t *testing.T) {
	pods := diverseMix(1003)
	if len(pods) != 1003 {
		t.Fatalf("got %d pods", len(pods))
	}
	kinds := map[string]int{}
	for _, p := range pods {
		name := p["metadata"].(map[string]any)["name"].(string)
		kinds[name[:strings.LastIndex(name, "-")]]++
	}
	want := map[string]int{"generic": 200 + 3, "spread": 400, "affinity": 200, "anti": 200}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	if !reflect.DeepEqual(diverseMix(50), diverseMix(50)) {
		t.Error("two mixes of the same size differ")
	}
}

func TestInstanceTypesCarryTheBundledPricesAndZones(t *testing.T) {
	ctx := karpenterContext()
	d, err := loadEC2Data(dataDir, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	its, err := instanceTypes(ctx, d, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*cloudprovider.InstanceType{}
	for _, it := range its {
		byName[it.Name] = it
	}
	if _, ok := byName["m3.medium"]; ok {
		t.Error("a previous-generation type is offered; Gantry's default pool leaves them out")
	}
	m5, ok := byName["m5.large"]
	if !ok {
		t.Fatal("m5.large missing")
	}
	for _, o := range m5.Offerings.Available() {
		want := d.onDemand["m5.large"]
		if o.CapacityType() == karpv1.CapacityTypeSpot {
			want *= spotPriceFraction
		}
		if o.Price != want {
			t.Errorf("m5.large %s in %s costs %v, want %v", o.CapacityType(), o.Zone(), o.Price, want)
		}
	}
	if got, want := len(m5.Offerings.Available()), 2*len(d.zones["m5.large"]); got != want {
		t.Errorf("m5.large has %d available offerings, want on-demand and spot in %d zones", got, want/2)
	}
	if gpus := m5.Capacity[corev1.ResourceName("nvidia.com/gpu")]; !gpus.IsZero() {
		t.Errorf("m5.large has %s GPUs", gpus.String())
	}
	g5 := byName["g5.xlarge"]
	if g5 == nil || g5.Capacity.Name("nvidia.com/gpu", "").Value() != 1 {
		t.Errorf("g5.xlarge should have one NVIDIA GPU: %v", g5)
	}
}

func TestLaunchPriceIsTheCheapestAllowedOffering(t *testing.T) {
	offering := func(capacityType, zone string, price float64) *cloudprovider.Offering {
		return &cloudprovider.Offering{Available: true, Price: price, Requirements: kscheduling.NewRequirements(
			kscheduling.NewRequirement(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, capacityType),
			kscheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, zone))}
	}
	a := &cloudprovider.InstanceType{Name: "a", Offerings: cloudprovider.Offerings{
		offering("on-demand", "z1", 0.30), offering("on-demand", "z2", 0.20), offering("spot", "z1", 0.05)}}
	b := &cloudprovider.InstanceType{Name: "b", Offerings: cloudprovider.Offerings{offering("on-demand", "z1", 0.25)}}
	onDemandInZ1 := kscheduling.NewRequirements(
		kscheduling.NewRequirement(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, "on-demand"),
		kscheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, "z1"))
	if got, _ := launchPrice([]*cloudprovider.InstanceType{a, b}, onDemandInZ1); got != 0.25 {
		t.Errorf("on-demand in z1: %v, want 0.25", got)
	}
	// Spot comes first when the NodeClaim allows it, as the provider's launch picks it.
	if got, _ := launchPrice([]*cloudprovider.InstanceType{a, b}, kscheduling.NewRequirements()); got != 0.05 {
		t.Errorf("any capacity type: %v, want spot's 0.05", got)
	}
	if _, ok := launchPrice(nil, onDemandInZ1); ok {
		t.Error("no options should give no price")
	}
}
