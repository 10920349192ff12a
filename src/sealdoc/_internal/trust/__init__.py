"""Trust material: certificates, CRLs, ETSI trust lists, fetchers (see ``sealdoc.trust``)."""
