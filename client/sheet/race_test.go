//go:build race

package sheet

// The race detector's instrumentation allocates several times what the
// code itself does; allocated reports the code's share, so that the
// memory bounds of the limits tests hold under go test -race too.
const raceAllocFactor = 4
