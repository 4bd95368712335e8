package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/powerreg/powerreg/gen/powerreg/v1"
	"github.com/powerreg/powerreg/internal/proc"
	"github.com/powerreg/powerreg/internal/report"
	"github.com/powerreg/powerreg/internal/vocab"
	"github.com/powerreg/powerreg/server/registry"
	"github.com/powerreg/powerreg/server/store"
)

// The publication measure: keyword searches at a steady rate before,
// during and after one large publication, to see whether readers wait
// while the search index takes the publication in.

type publicationOptions struct {
	DataDir     string
	Items       int
	Departments int
	Seed        int64
	Before      time.Duration // searches before the publication: the steady state
	After       time.Duration // searches after the publication returned
	Powerregd   string
	StageOnly   bool
	Rate        int // searches per second
}

// stagedFile, in the data dir, names the approved batches staged for the
// publication and the publisher's token; it is removed once published.
const stagedFile = "bench-publication.json"

type staged struct {
	Items       int      `json:"items"`
	Submissions []string `json:"submissions"`
	Token       string   `json:"token"`
}

// stagePublication imports o.Items new items into the (seeded) data dir,
// submits and approves them, and creates a publisher's token: everything
// but the publication. powerregd must not run on the dir.
func stagePublication(o publicationOptions) (*staged, error) {
	path := filepath.Join(o.DataDir, stagedFile)
	if b, err := os.ReadFile(path); err == nil {
		var st staged
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		fmt.Printf("using the %d items staged in %s\n", st.Items, path)
		return &st, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	db, err := store.Open(o.DataDir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	svc := registry.New(registry.Config{Store: db, DefaultRegion: "430000"})
	depts := make([]registry.Department, o.Departments)
	for i := range depts {
		depts[i] = vocab.Department(i)
		if _, err := svc.GetDepartment(depts[i].ID); err != nil {
			return nil, fmt.Errorf("department %s: %w (seed the data dir first, with the same --departments)", depts[i].ID, err)
		}
	}
	// New items, whatever the catalogue holds already: names of their own.
	rev, err := svc.CatalogRevision()
	if err != nil {
		return nil, err
	}
	suffix := fmt.Sprintf("（第%d次）", rev)
	g := newGenerator(o.Seed, depts)
	start := time.Now()
	st := &staged{Items: o.Items}
	for done, b := 0, 1; done < o.Items; b++ {
		rows := g.batch(min(registry.MaxImportRows, o.Items-done))
		for i := range rows {
			r := &rows[i].row
			r.Item.Content.DisplayName += suffix
			if r.MainItem != "" {
				r.MainItem += suffix
			}
		}
		subs, err := stage(svc, depts, rows, b)
		if err != nil {
			return nil, err
		}
		st.Submissions = append(st.Submissions, subs...)
		done += len(rows)
		fmt.Printf("staged %d/%d items (%s)\n", done, o.Items, time.Since(start).Round(time.Millisecond))
	}
	if len(st.Submissions) > registry.MaxPublicationSubmissions {
		return nil, fmt.Errorf("%d submissions: more than one publication holds", len(st.Submissions))
	}
	_, st.Token, err = svc.CreateToken("bench-admin", registry.TokenInput{Name: fmt.Sprintf("bench-publication-%d", rev),
		Holder: publisher, Roles: []string{"publisher"}})
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(st)
	return st, os.WriteFile(path, b, 0o600)
}

// timedSearch is one search of the load: when it started, relative to the
// publication's start, how long it took and the index revision it names.
type timedSearch struct {
	at, took time.Duration
	rev      int64
}

func measurePublication(o publicationOptions) error {
	st, err := stagePublication(o)
	if err != nil || o.StageOnly {
		return err
	}
	tmp, err := os.MkdirTemp("", "powerbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	httpAddr, grpcAddr, srvCmd, srvLog, err := benchServer(o.Powerregd, o.DataDir, tmp)
	if err != nil {
		return err
	}
	srv, err := proc.Start("powerregd", srvCmd)
	if err != nil {
		return err
	}
	defer srv.Stop()
	if err := proc.WaitHTTP("http://"+httpAddr+"/healthz", srv, 60*time.Second); err != nil {
		return proc.WithLog(err, srvLog.Name())
	}
	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	cat := pb.NewCatalogServiceClient(conn)
	for t0 := time.Now(); ; time.Sleep(20 * time.Millisecond) { // until the index is built
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err = cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Q: "许可", PageSize: 10})
		cancel()
		if err == nil {
			break
		}
		if time.Since(t0) > 5*time.Minute {
			return proc.WithLog(fmt.Errorf("first search: %w", err), srvLog.Name())
		}
	}

	// Searches from o.Before before the publication until o.After after it
	// took effect and returned; meanwhile a poller
	// notes when the catalogue revision (in the ETag of a catalogue page)
	// moves: when the publication took effect.
	var (
		mu       sync.Mutex
		results  []timedSearch // at: from base
		commitAt time.Duration // from base; 0 until seen
		failed   int
		stop     = make(chan struct{})
		stopped  = make(chan error, 2)
	)
	base := time.Now()
	// Open loop, as portal readers come: a search every 1/o.Rate whether
	// or not the ones before have answered, each timed from when it was
	// due, so that a stall counts every search it holds up.
	go func() {
		qs := searchQueries(o.Seed, 3000)
		every := time.Second / time.Duration(o.Rate)
		var wg sync.WaitGroup
		defer func() { wg.Wait(); stopped <- nil }()
		for i := 0; ; i++ {
			due := base.Add(time.Duration(i) * every)
			select {
			case <-stop:
				return
			case <-time.After(time.Until(due)):
			}
			q := qs[i%len(qs)]
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				res, err := cat.ListCatalogItems(ctx, &pb.ListCatalogItemsRequest{Q: q, PageSize: 20})
				took := time.Since(due)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed++
					return
				}
				results = append(results, timedSearch{at: due.Sub(base), took: took, rev: res.GetSearchRevision()})
			})
		}
	}()
	first, err := catalogETag(httpAddr)
	if err != nil {
		return err
	}
	go func() {
		for {
			select {
			case <-stop:
				stopped <- nil
				return
			case <-time.After(5 * time.Millisecond):
			}
			t := time.Now()
			if tag, err := catalogETag(httpAddr); err == nil && tag != first {
				mu.Lock()
				commitAt = t.Sub(base)
				mu.Unlock()
				stopped <- nil
				return
			}
		}
	}()
	time.Sleep(o.Before)
	pubAt := time.Since(base)
	reg := pb.NewRegistryServiceClient(conn)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+st.Token)
	pub, err := reg.CreatePublication(ctx, &pb.CreatePublicationRequest{Publication: &pb.Publication{Submissions: st.Submissions,
		Comment: "powerbench publication"}})
	returned := time.Since(base)
	if err != nil {
		close(stop)
		return proc.WithLog(fmt.Errorf("publish: %w", err), srvLog.Name())
	}
	os.Remove(filepath.Join(o.DataDir, stagedFile))
	for {
		mu.Lock()
		c := commitAt
		mu.Unlock()
		if c != 0 && time.Since(base) > max(c, returned)+o.After {
			break
		}
		if time.Since(base) > returned+2*time.Minute {
			close(stop)
			return fmt.Errorf("the catalogue revision did not move after the publication")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	for range 2 {
		if err := <-stopped; err != nil {
			return err
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if failed > 0 {
		return fmt.Errorf("%d searches failed", failed)
	}
	slices.SortFunc(results, func(a, b timedSearch) int { return cmp.Compare(a.at, b.at) })
	// Times from the publication's start.
	for i := range results {
		results[i].at -= pubAt
	}
	commitAt -= pubAt
	returned -= pubAt

	fmt.Printf("\ncommand: powerbench %s\n", strings.Join(os.Args[1:], " "))
	fmt.Printf("publication %s of %d items (%d submissions): took effect after %s, returned after %s\n",
		pub.GetPublication().GetName(), pub.GetPublication().GetItemCount(), len(st.Submissions),
		commitAt.Round(time.Millisecond), returned.Round(time.Millisecond))
	if b, err := os.ReadFile(srvLog.Name()); err == nil { // how long the index took, as it says
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "search index caught up") || strings.Contains(line, "did not reach") {
				fmt.Println("powerregd:", line)
			}
		}
	}
	top := int64(0)
	for _, r := range results {
		top = max(top, r.rev)
	}
	window := func(what string, from, to time.Duration) {
		var lat []time.Duration
		for _, r := range results {
			if r.at >= from && r.at < to {
				lat = append(lat, r.took)
			}
		}
		if len(lat) == 0 {
			fmt.Printf("%-56s no searches\n", what)
			return
		}
		p := func(q float64) string { return report.Percentile(lat, q).Round(10 * time.Microsecond).String() }
		fmt.Printf("%-56s %5d searches  p50 %-9s p90 %-9s p99 %-9s max %s\n", what, len(lat), p(50), p(90), p(99), p(100))
	}
	window("before (steady state)", -o.Before, 0)
	window(fmt.Sprintf("the %s after it took effect", o.After), commitAt, commitAt+o.After)
	window("during the publication call", 0, returned)
	window(fmt.Sprintf("from its start to %s after it took effect and returned", o.After), 0, max(commitAt, returned)+o.After)
	if lat, at := worst(results, o.After, max(commitAt, returned)+o.After); lat != nil {
		p := func(q float64) string { return report.Percentile(lat, q).Round(10 * time.Microsecond).String() }
		fmt.Printf("%-56s %5d searches  p50 %-9s p90 %-9s p99 %-9s max %-9s (from %s)\n",
			fmt.Sprintf("worst %s window from its start", o.After), len(lat), p(50), p(90), p(99), p(100), at.Round(time.Millisecond))
	}
	slow := slices.Clone(results)
	slices.SortFunc(slow, func(a, b timedSearch) int { return cmp.Compare(b.took, a.took) })
	fmt.Print("slowest searches (begun at, from the publication's start: took):")
	for _, r := range slow[:min(5, len(slow))] {
		fmt.Printf(" %s: %s;", r.at.Round(time.Millisecond), r.took.Round(time.Millisecond))
	}
	fmt.Println()
	if top > 0 { // servers that name the index revision
		behind := 0
		for _, r := range results {
			if r.at >= returned && r.rev < top {
				behind++
			}
		}
		fmt.Printf("searches begun after the publication returned that name an older index revision than %d: %d\n", top, behind)
	}
	return nil
}

// catalogETag is the ETag of a small catalogue page: it names the
// catalogue revision.
func catalogETag(httpAddr string) (string, error) {
	resp, err := http.Head("http://" + httpAddr + "/v1/catalog/items?page_size=1")
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HEAD a catalogue page: HTTP %d", resp.StatusCode)
	}
	return resp.Header.Get("ETag"), nil
}

// worst returns the searches of the span-long window, among those
// begun from the publication's start to end, whose p99 is the highest
// (where the publication hurt searches most, wherever the index took it
// in), and the window's start.
func worst(results []timedSearch, span, end time.Duration) ([]time.Duration, time.Duration) {
	var in []timedSearch
	for _, r := range results {
		if r.at >= 0 && r.at < end {
			in = append(in, r)
		}
	}
	var best []time.Duration
	var bestP99, bestAt time.Duration
	for i := range in {
		var lat []time.Duration
		for _, r := range in[i:] {
			if r.at >= in[i].at+span {
				break
			}
			lat = append(lat, r.took)
		}
		if p := report.Percentile(lat, 99); best == nil || p > bestP99 {
			best, bestP99, bestAt = lat, p, in[i].at
		}
	}
	return best, bestAt
}
