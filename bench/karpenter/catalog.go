// Instance types for Karpenter, built by the AWS provider's own code (its instancetype resolver
// and offering provider) from the EC2 facts Gantry bundles in cloudprovider/catalog/data, with
// the prices Gantry's bundled catalog uses: us-east-1's on-demand list for every region and spot
// at 0.4 of on-demand (cloudprovider/catalog/bundled_catalog.cpp). Both tools then choose from
// the same types, zones and prices, and differ only in how they pack.
package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/patrickmn/go-cache"
	"github.com/samber/lo"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/karpenter/pkg/cloudprovider"

	awsv1 "github.com/aws/karpenter-provider-aws/pkg/apis/v1"
	awscache "github.com/aws/karpenter-provider-aws/pkg/cache"
	"github.com/aws/karpenter-provider-aws/pkg/providers/capacityreservation"
	"github.com/aws/karpenter-provider-aws/pkg/providers/instancetype"
	"github.com/aws/karpenter-provider-aws/pkg/providers/instancetype/offering"
	"github.com/aws/karpenter-provider-aws/pkg/providers/placementgroup"
)

// The bundled on-demand list is us-east-1's; Gantry reuses it for other regions, and so do we.
const priceRegion = "us-east-1"

// Gantry's CatalogOptions::spotPriceFraction default: the bundled catalog has no spot history.
const spotPriceFraction = 0.4

// ec2Data is what cloudprovider/catalog/data holds for one region.
type ec2Data struct {
	infos    map[string]ec2types.InstanceTypeInfo
	zones    map[string][]string // instance type -> zones offering it in the region
	onDemand map[string]float64  // USD/h
	previous sets.Set[string]    // previous-generation families
}

func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, name := range rows[0] {
			if i < len(row) {
				m[name] = row[i]
			}
		}
		out = append(out, m)
	}
	return out, nil
}

func loadEC2Data(dir, region string) (*ec2Data, error) {
	d := &ec2Data{zones: map[string][]string{}, onDemand: map[string]float64{}, previous: sets.New[string]()}
	raw, err := os.ReadFile(filepath.Join(dir, "ec2-describe-instance-types.json"))
	if err != nil {
		return nil, err
	}
	// DescribeInstanceTypes' own field names, so the SDK's struct decodes it as is.
	if err := json.Unmarshal(raw, &d.infos); err != nil {
		return nil, fmt.Errorf("ec2-describe-instance-types.json: %w", err)
	}
	offerings, err := readCSV(filepath.Join(dir, "ec2-offerings-"+region+".csv"))
	if err != nil {
		return nil, err
	}
	for _, r := range offerings {
		d.zones[r["instance_type"]] = append(d.zones[r["instance_type"]], r["availability_zone"])
	}
	prices, err := readCSV(filepath.Join(dir, "ec2-on-demand-prices.csv"))
	if err != nil {
		return nil, err
	}
	for _, r := range prices {
		if r["region"] != priceRegion {
			continue
		}
		p, err := strconv.ParseFloat(r["usd_per_hour"], 64)
		if err != nil {
			return nil, fmt.Errorf("price of %s: %w", r["instance_type"], err)
		}
		d.onDemand[r["instance_type"]] = p
	}
	families, err := readCSV(filepath.Join(dir, "ec2-previous-generation-families.csv"))
	if err != nil {
		return nil, err
	}
	for _, r := range families {
		d.previous.Insert(strings.TrimSpace(r["family"]))
	}
	return d, nil
}

// bundledPricing answers the provider's pricing.Provider calls from the bundled prices.
type bundledPricing struct{ d *ec2Data }

func (p bundledPricing) LivenessProbe(*http.Request) error { return nil }
func (p bundledPricing) InstanceTypes() []ec2types.InstanceType {
	return lo.Map(lo.Keys(p.d.onDemand), func(n string, _ int) ec2types.InstanceType { return ec2types.InstanceType(n) })
}
func (p bundledPricing) OnDemandPrice(t ec2types.InstanceType) (float64, bool) {
	price, ok := p.d.onDemand[string(t)]
	return price, ok
}
func (p bundledPricing) SpotPrice(t ec2types.InstanceType, _ string) (float64, bool) {
	price, ok := p.d.onDemand[string(t)]
	return price * spotPriceFraction, ok
}
func (p bundledPricing) UpdateOnDemandPricing(context.Context) error { return nil }
func (p bundledPricing) UpdateSpotPricing(context.Context) error     { return nil }

// No zonal shifts, placement groups or capacity reservations: the bench plans a plain cluster.
type noZonalShift struct{}

func (noZonalShift) IsZonalShifted(context.Context, string) bool { return false }
func (noZonalShift) UpdateZonalShifts(context.Context) error     { return nil }
func (noZonalShift) ShiftedZones() sets.Set[string]              { return sets.New[string]() }

type noPlacementGroups struct{}

func (noPlacementGroups) Get(context.Context, placementgroup.NodeClass) (*placementgroup.PlacementGroup, error) {
	return nil, nil
}

type noReservations struct{}

func (noReservations) List(context.Context, ...awsv1.CapacityReservationSelectorTerm) ([]*ec2types.CapacityReservation, error) {
	return nil, nil
}
func (noReservations) GetAvailableInstanceCount(string) int { return 0 }
func (noReservations) MarkLaunched(string)                  {}
func (noReservations) MarkTerminated(string)                {}
func (noReservations) MarkUnavailable(...string)            {}

var _ capacityreservation.Provider = noReservations{}

// nodeClass is an AL2023 EC2NodeClass with one subnet per zone of the region, as the
// EC2NodeClass status controller would resolve it; zone IDs are made up (nothing selects on them).
func nodeClass(zones []string) *awsv1.EC2NodeClass {
	nc := &awsv1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: awsv1.EC2NodeClassSpec{
			AMISelectorTerms: []awsv1.AMISelectorTerm{{Alias: "al2023@latest"}},
		},
	}
	for i, z := range zones {
		nc.Status.Subnets = append(nc.Status.Subnets, awsv1.Subnet{
			ID: fmt.Sprintf("subnet-%d", i), Zone: z, ZoneID: fmt.Sprintf("use1-az%d", i+1),
		})
	}
	return nc
}

// instanceTypes resolves every type Gantry's default NodePool may use (current generation,
// x86_64 or arm64, priced, offered in the region) through the provider's DefaultResolver, then
// attaches on-demand and spot offerings with its offering provider.
func instanceTypes(ctx context.Context, d *ec2Data, region string) ([]*cloudprovider.InstanceType, error) {
	allZones := sets.New[string]()
	for _, zs := range d.zones {
		allZones.Insert(zs...)
	}
	zones := sets.List(allZones)
	nc := nodeClass(zones)
	resolver := instancetype.NewDefaultResolver(region)
	names := lo.Keys(d.infos)
	sort.Strings(names)
	infos := map[ec2types.InstanceType]ec2types.InstanceTypeInfo{}
	var its []*cloudprovider.InstanceType
	for _, name := range names {
		info := d.infos[name]
		family := strings.SplitN(name, ".", 2)[0]
		archs := info.ProcessorInfo.SupportedArchitectures
		usable := lo.Contains(archs, ec2types.ArchitectureTypeX8664) || lo.Contains(archs, ec2types.ArchitectureTypeArm64)
		if _, priced := d.onDemand[name]; !usable || !priced || len(d.zones[name]) == 0 || d.previous.Has(family) {
			continue
		}
		// The vendored JSON's CurrentGeneration is wrong for many families (SOURCES.txt); set it
		// from the list Gantry uses, so the provider labels the types as Gantry does.
		info.CurrentGeneration = lo.ToPtr(true)
		infos[info.InstanceType] = info
		its = append(its, resolver.Resolve(ctx, info, d.zones[name], nc))
	}
	if len(its) == 0 {
		return nil, fmt.Errorf("no usable instance type in the data for %s", region)
	}
	offerings := offering.NewDefaultProvider(bundledPricing{d}, noReservations{}, noPlacementGroups{},
		awscache.NewUnavailableOfferings(), cache.New(time.Hour, time.Hour), noZonalShift{}, nil)
	return offerings.InjectOfferings(ctx, its, infos, nc, allZones), nil
}
