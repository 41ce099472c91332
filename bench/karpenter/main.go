// karpenter-bench: Gantry and Karpenter side by side on the same pods, instance types and
// prices (`make bench-karpenter`; see README.md beside this file). For each input it prints the
// hourly price of the new nodes, how many, and how long each tool took, and Gantry/Karpenter
// ratios (below 1: Gantry cheaper, fewer nodes, faster).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/karpenter/pkg/operator/logging"
)

type row struct {
	name   string
	pods   int
	gantry gantryResult
	karp   karpenterResult
}

func main() {
	gantry := flag.String("gantry", "build/src/gantry", "the gantry binary")
	data := flag.String("data", "cloudprovider/catalog/data", "Gantry's vendored EC2 data")
	inputs := flag.String("inputs", "bench/karpenter/inputs", "static inputs: one manifest file per input")
	work := flag.String("work", "build/bench-karpenter", "where the generated benchmark-mix inputs are written")
	sizes := flag.String("mix-sizes", "1000,5000,10000,20000", "pod counts of Karpenter's benchmark mix")
	region := flag.String("region", "us-east-1", "region of the bundled catalog")
	repeats := flag.Int("repeats", 3, "runs of `gantry plan` per input; the fastest counts")
	only := flag.String("only", "", "run only inputs whose name contains this")
	markdown := flag.Bool("markdown", false, "print a Markdown table (for README.md)")
	flag.Parse()
	// Karpenter logs each decision; a bench wants only the table.
	log.SetLogger(logging.NopLogger)
	if err := run(*gantry, *data, *inputs, *work, *sizes, *region, *only, *repeats, *markdown); err != nil {
		fmt.Fprintln(os.Stderr, "karpenter-bench:", err)
		os.Exit(1)
	}
}

func run(gantry, data, inputs, work, sizes, region, only string, repeats int, markdown bool) error {
	var counts []int
	for _, s := range strings.Split(sizes, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return fmt.Errorf("--mix-sizes: %q is not a positive count", s)
		}
		counts = append(counts, n)
	}
	paths, err := writeMixInputs(work, counts)
	if err != nil {
		return err
	}
	static, err := filepath.Glob(filepath.Join(inputs, "*.yaml"))
	if err != nil {
		return err
	}
	sort.Strings(static)
	paths = append(paths, static...)

	ctx := karpenterContext()
	ec2, err := loadEC2Data(data, region)
	if err != nil {
		return err
	}
	its, err := instanceTypes(ctx, ec2, region)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "karpenter-bench: %d instance types from %s (%s)\n", len(its), data, region)
	var rows []row
	for _, path := range paths {
		name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(path), ".json"), ".yaml")
		if only != "" && !strings.Contains(name, only) {
			continue
		}
		g, err := planGantry(gantry, path, region, repeats)
		if err != nil {
			return err
		}
		pods, err := expandedPods(gantry, path, region)
		if err != nil {
			return err
		}
		k, err := solveKarpenter(ctx, its, pods)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r := row{name: name, pods: len(pods), gantry: g, karp: k}
		fmt.Fprintf(os.Stderr, "karpenter-bench: %s: %d pods, gantry $%.4f/h %d nodes %s, karpenter $%.4f/h %d nodes %s\n",
			name, r.pods, g.pricePerHour, g.nodes, seconds(g.wall), k.pricePerHour, k.nodes, seconds(k.wall))
		rows = append(rows, r)
	}
	printTable(rows, markdown)
	return nil
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func printTable(rows []row, markdown bool) {
	header := []string{"input", "pods", "Gantry $/h", "Karpenter $/h", "$ G/K", "Gantry nodes",
		"Karpenter nodes", "nodes G/K", "Gantry wall", "Karpenter wall", "time G/K"}
	var lines [][]string
	notes := []string{}
	for _, r := range rows {
		g, k := r.gantry, r.karp
		lines = append(lines, []string{r.name, strconv.Itoa(r.pods),
			fmt.Sprintf("%.4f", g.pricePerHour), fmt.Sprintf("%.4f", k.pricePerHour), ratio(g.pricePerHour, k.pricePerHour),
			strconv.Itoa(g.nodes), strconv.Itoa(k.nodes), ratio(float64(g.nodes), float64(k.nodes)),
			seconds(g.wall), seconds(k.wall), ratio(g.wall.Seconds(), k.wall.Seconds())})
		if g.unschedulable > 0 || k.unschedulable > 0 {
			notes = append(notes, fmt.Sprintf("%s: pods left unschedulable: Gantry %d, Karpenter %d",
				r.name, g.unschedulable, k.unschedulable))
		}
	}
	if markdown {
		fmt.Println("| " + strings.Join(header, " | ") + " |")
		fmt.Println("|" + strings.Repeat("---|", len(header)))
		for _, l := range lines {
			fmt.Println("| " + strings.Join(l, " | ") + " |")
		}
	} else {
		tw := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
		for _, l := range lines {
			fmt.Fprintln(tw, strings.Join(l, "\t")+"\t")
		}
		tw.Flush()
	}
	for _, n := range notes {
		fmt.Println(n)
	}
	fmt.Println("Gantry wall: the whole `gantry plan -o json` process (reading, expanding, solving, printing), fastest run;")
	fmt.Println("Karpenter wall: NewTopology + NewScheduler + Solve in process, input already decoded.")
}
