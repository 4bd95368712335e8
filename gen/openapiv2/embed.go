// Package openapiv2 exposes the OpenAPI v2 (Swagger) document that
// protoc-gen-openapiv2 generates from proto/powerreg into powerreg.swagger.json.
//
// This is the only hand-written file in gen/: everything else here is
// produced by scripts/gen.sh. It has to live next to the generated JSON
// because //go:embed cannot reach files outside the package's own directory.
// buf.gen.yaml must therefore not use `clean: true`, which would delete it.
package openapiv2

import _ "embed"

// Document is the merged OpenAPI v2 document for all powerreg.v1 services.
//
//go:embed powerreg.swagger.json
var Document []byte
