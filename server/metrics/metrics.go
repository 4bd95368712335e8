// Package metrics holds a server's Prometheus metrics: calls by method and
// code, HTTP answers given without a call, store transactions and file
// size, the review queue and the items per state. Each server has its own
// registry (not Prometheus's global one), so that several servers in one
// process (tests) keep apart.
package metrics

import (
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/powerreg/powerreg/server/registry"
)

// Metrics is one server's metrics.
type Metrics struct {
	reg          *prometheus.Registry
	rpcs         *prometheus.CounterVec
	rpcDuration  *prometheus.HistogramVec
	http         *prometheus.CounterVec
	httpCounters sync.Map // httpKey → prometheus.Counter of http
	limited      *prometheus.CounterVec
	txDuration   *prometheus.HistogramVec
	writes       atomic.Uint64 // committed write transactions, the workload cache's key
}

// New makes the metrics of a server whose store file is storeFile.
func New(storeFile string) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.rpcs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "powerreg_rpc_requests_total",
		Help: "Calls handled, by full gRPC method and status code; REST calls count here too (they reach gRPC over loopback).",
	}, []string{"method", "code"})
	m.rpcDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "powerreg_rpc_duration_seconds",
		Help:    "Time to handle a call, by full gRPC method and status code (streams: their whole life).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "code"})
	m.http = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "powerreg_http_responses_total",
		Help: "HTTP answers by route and status; layer is gateway when the REST gateway (and so a gRPC call) made the answer, http when the HTTP layer did alone (cached catalogue pages, 304s, 413s, health, metrics).",
	}, []string{"route", "code", "layer"})
	m.limited = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "powerreg_rate_limited_total",
		Help: "Calls and connections refused by a limit, by limit: principal or anonymous (rates), watches (long-lived streams), connections (per address).",
	}, []string{"limit"})
	m.txDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "powerreg_store_transaction_duration_seconds",
		Help:    "Duration of store transactions by kind (view, update), including the wait for bbolt's single writer.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
	}, []string{"kind"})
	size := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "powerreg_store_file_bytes",
		Help: "Size of the store file (powerreg.db) on disk.",
	}, func() float64 {
		fi, err := os.Stat(storeFile)
		if err != nil {
			return 0
		}
		return float64(fi.Size())
	})
	m.reg.MustRegister(m.rpcs, m.rpcDuration, m.http, m.limited, m.txDuration, size,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ChecksumFailures registers the count of records read from the store
// that failed their checksum (store.DB.Damaged), read at scrape time.
func (m *Metrics) ChecksumFailures(count func() uint64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "powerreg_store_checksum_failures_total",
		Help: "Reads of a damaged stored record: a checksum that fails, a record another one refers to that is missing, a damaged page (DATA_LOSS answers): run powerregd check and restore from a backup.",
	}, func() float64 { return float64(count()) }))
}

// SearchIndex registers the catalogue revision the keyword search index
// answers from (-1 before it is built) and the catalogue's own, read at
// scrape time: while they differ, the index is catching up.
func (m *Metrics) SearchIndex(index func() int64, catalog func() (int64, error)) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "powerreg_search_index_revision",
		Help: "The catalogue revision the keyword search index answers from; -1 before it is built.",
	}, func() float64 { return float64(index()) }))
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "powerreg_catalog_revision",
		Help: "The catalogue revision: the registry revision of the last change of the published catalogue.",
	}, func() float64 {
		rev, err := catalog()
		if err != nil {
			return -1
		}
		return float64(rev)
	}))
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Call records a handled call. The recording methods do nothing on a nil
// Metrics.
func (m *Metrics) Call(method, code string, d time.Duration) {
	if m == nil {
		return
	}
	m.rpcs.WithLabelValues(method, code).Inc()
	m.rpcDuration.WithLabelValues(method, code).Observe(d.Seconds())
}

// HTTP records an HTTP answer, made by the gateway or by the HTTP layer
// alone.
func (m *Metrics) HTTP(route string, code int, byGateway bool) {
	if m == nil {
		return
	}
	k := httpKey{route, code, byGateway}
	if c, ok := m.httpCounters.Load(k); ok {
		c.(prometheus.Counter).Inc() // the portal's bulk: no label hashing
		return
	}
	layer := "http"
	if byGateway {
		layer = "gateway"
	}
	c := m.http.WithLabelValues(route, strconv.Itoa(code), layer)
	m.httpCounters.Store(k, c)
	c.Inc()
}

// httpKey names one counter of HTTP answers; routes and codes are few
// (routeOf in server/observe.go), so the counters are kept.
type httpKey struct {
	route     string
	code      int
	byGateway bool
}

// Limited records a call refused by the named limit.
func (m *Metrics) Limited(limit string) {
	if m != nil {
		m.limited.WithLabelValues(limit).Inc()
	}
}

// Store wraps a store so that its transactions are timed and its commits
// counted. The store itself knows nothing of metrics.
func (m *Metrics) Store(s registry.Store) registry.Store { return &timedStore{s, m} }

type timedStore struct {
	registry.Store
	m *Metrics
}

func (t *timedStore) View(fn func(registry.Tx) error) error {
	start := time.Now()
	err := t.Store.View(fn)
	t.m.txDuration.WithLabelValues("view").Observe(time.Since(start).Seconds())
	return err
}

func (t *timedStore) Update(fn func(registry.Tx) error) error {
	start := time.Now()
	err := t.Store.Update(fn)
	t.m.txDuration.WithLabelValues("update").Observe(time.Since(start).Seconds())
	if err == nil {
		t.m.writes.Add(1)
	}
	return err
}

// WorkloadSource is what the workload metrics read: registry.Service.
type WorkloadSource interface {
	Workload() (*registry.Workload, error)
}

// Workload registers the review queue and the items per state, read from
// src at scrape time; now is the clock of the oldest submission's age
// (time.Now when nil). The counts are kept until the store commits a write
// (through Store's wrapper), so that scrapes between changes read nothing.
func (m *Metrics) Workload(src WorkloadSource, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	m.reg.MustRegister(&workload{src: src, now: now, writes: &m.writes})
}

var (
	itemsDesc = prometheus.NewDesc("powerreg_items",
		"Items by workflow state of their working copy.", []string{"state"}, nil)
	waitingDesc = prometheus.NewDesc("powerreg_submissions_waiting_for_review",
		"Submissions submitted and not yet approved or returned.", nil, nil)
	oldestDesc = prometheus.NewDesc("powerreg_submission_oldest_waiting_seconds",
		"How long the longest-waiting submission has waited for review; 0 when none waits.", nil, nil)
	workloadErrDesc = prometheus.NewDesc("powerreg_workload_scrape_error",
		"1 when the last reading of the items and submissions failed (the store did not answer).", nil, nil)
)

type workload struct {
	src    WorkloadSource
	now    func() time.Time
	writes *atomic.Uint64

	mu     sync.Mutex
	cached *registry.Workload
	at     uint64 // the write count cached was read at
}

func (w *workload) Describe(ch chan<- *prometheus.Desc) {
	ch <- itemsDesc
	ch <- waitingDesc
	ch <- oldestDesc
	ch <- workloadErrDesc
}

func (w *workload) Collect(ch chan<- prometheus.Metric) {
	wl, err := w.read()
	failed := 0.0
	if err != nil {
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(workloadErrDesc, prometheus.GaugeValue, failed)
	if err != nil {
		return
	}
	for state, name := range registry.ItemStateNames {
		ch <- prometheus.MustNewConstMetric(itemsDesc, prometheus.GaugeValue, float64(wl.Items[state]), name)
	}
	ch <- prometheus.MustNewConstMetric(waitingDesc, prometheus.GaugeValue, float64(wl.Waiting))
	age := 0.0
	if !wl.OldestWaiting.IsZero() {
		age = max(0, w.now().Sub(wl.OldestWaiting).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
}

// read returns the workload, from the cache when no write was committed
// since. The write count is read before the store: a write in between
// makes the next scrape read again, never keeps a stale answer.
func (w *workload) read() (*registry.Workload, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.writes.Load()
	if w.cached != nil && w.at == n {
		return w.cached, nil
	}
	wl, err := w.src.Workload()
	if err != nil {
		return nil, err
	}
	w.cached, w.at = wl, n
	return wl, nil
}
