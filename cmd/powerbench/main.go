// Command powerbench seeds a data dir with a province's worth of published
// power items and measures powerregd on it: REST list pages
// against nginx serving the same bytes, keyword search latency, start-up
// time and resident memory. See README.md, "Measuring speed".
//
//	powerbench seed --data-dir DIR --items 500000 [--departments 100] [--batch 10000] [--seed 1]
//	powerbench measure --data-dir DIR [--duration 30s] [--connections 32] [--searches 2000] [--page-size 50] [--powerregd PATH]
//	powerbench publication --data-dir DIR [--items 45000] [--rate 100] [--before 3s] [--after 5s] [--stage-only] [--powerregd PATH]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "seed":
		err = seedCmd(os.Args[2:])
	case "measure":
		err = measureCmd(os.Args[2:])
	case "publication":
		err = publicationCmd(os.Args[2:])
	case "-h", "--help", "help":
		usage()
		return
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "powerbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  powerbench seed --data-dir DIR --items N [--departments 100] [--batch 10000] [--seed 1]
      import N generated items through the domain and publish them (powerregd must not run on DIR)
  powerbench measure --data-dir DIR [--duration 30s] [--connections 32] [--searches 2000] [--page-size 50] [--powerregd PATH]
      start powerregd on DIR and measure start-up, REST list pages vs nginx (wrk), search latency, RSS
  powerbench publication --data-dir DIR [--items 45000] [--rate 100] [--before 3s] [--after 5s] [--stage-only] [--powerregd PATH]
      stage N approved items in DIR (seeded), then start powerregd and measure searches before, during and after their publication
`)
}

func seedCmd(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	var o seedOptions
	fs.StringVar(&o.DataDir, "data-dir", "", "data dir to seed (required)")
	fs.IntVar(&o.Items, "items", 1000, "number of items to create and publish")
	fs.IntVar(&o.Departments, "departments", 100, "number of departments")
	fs.IntVar(&o.Batch, "batch", 10000, "items per import and publication")
	fs.Int64Var(&o.Seed, "seed", 1, "random seed: the same seed gives the same catalogue")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.DataDir == "" {
		return fmt.Errorf("seed: --data-dir is required")
	}
	o.Progress = os.Stdout
	start := time.Now()
	if err := seed(o); err != nil {
		return err
	}
	fmt.Printf("seeded %d items in %d departments in %s\n", o.Items, o.Departments, time.Since(start).Round(time.Millisecond))
	return nil
}

func measureCmd(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	var o measureOptions
	fs.StringVar(&o.DataDir, "data-dir", "", "seeded data dir (required)")
	fs.DurationVar(&o.Duration, "duration", 30*time.Second, "duration of each wrk run")
	fs.IntVar(&o.Connections, "connections", 32, "wrk connections")
	fs.IntVar(&o.Threads, "threads", 2, "wrk threads")
	fs.IntVar(&o.Searches, "searches", 2000, "number of keyword searches over gRPC")
	fs.StringVar(&o.Powerregd, "powerregd", "", "powerregd binary (default: go build ./cmd/powerregd into a temp dir)")
	fs.Int64Var(&o.Seed, "seed", 1, "random seed of the search queries")
	fs.IntVar(&o.PageSize, "page-size", 50, "items on the REST page compared with nginx (20: some 20 KB, 50: some 50 KB)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.DataDir == "" {
		return fmt.Errorf("measure: --data-dir is required")
	}
	if o.PageSize < 1 || o.PageSize > 500 {
		return fmt.Errorf("measure: --page-size %d: give 1 to 500", o.PageSize)
	}
	return measure(o)
}

func publicationCmd(args []string) error {
	fs := flag.NewFlagSet("publication", flag.ContinueOnError)
	var o publicationOptions
	fs.StringVar(&o.DataDir, "data-dir", "", "seeded data dir (required); powerregd must not run on it")
	fs.IntVar(&o.Items, "items", 45000, "items of the publication")
	fs.IntVar(&o.Departments, "departments", 100, "departments of the seeded dir")
	fs.Int64Var(&o.Seed, "seed", 2, "random seed of the items staged and of the search queries")
	fs.DurationVar(&o.Before, "before", 3*time.Second, "searches before the publication (the steady state)")
	fs.DurationVar(&o.After, "after", 5*time.Second, "searches after the publication returned")
	fs.IntVar(&o.Rate, "rate", 100, "searches per second, whether or not the ones before have answered")
	fs.BoolVar(&o.StageOnly, "stage-only", false, "only stage the items (copy the dir to measure several times)")
	fs.StringVar(&o.Powerregd, "powerregd", "", "powerregd binary (default: go build ./cmd/powerregd into a temp dir)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.DataDir == "" {
		return fmt.Errorf("publication: --data-dir is required")
	}
	if o.Items <= 0 || o.Departments <= 0 || o.Rate <= 0 {
		return fmt.Errorf("publication: --items, --departments and --rate must be positive")
	}
	return measurePublication(o)
}
