package registry

// Field limits, exported for clients that check a file before sending it
// (client/sheet), so that client and server refuse the same things.
const (
	MaxNameRunes   = maxNameRunes
	MaxTextRunes   = maxTextRunes
	MaxListEntries = maxListEntries
)
