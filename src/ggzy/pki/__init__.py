"""PKI: CA trust lists, certificate validation, signatures, SM2/SM3/SM4, sealed envelopes."""
