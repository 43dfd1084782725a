package jws

import (
	"bytes"
	"encoding/json"
	"errors"
)

type stdHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// decodeHeaderWithStdlib is the reference reading of a header.
func decodeHeaderWithStdlib(b []byte) (stdHeader, error) {
	var h stdHeader
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&h); err != nil {
		return h, err
	}
	if dec.More() {
		return h, errors.New("trailing data")
	}
	return h, nil
}
