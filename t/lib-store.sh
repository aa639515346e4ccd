# lib-store.sh - helpers for tests that craft what mlw itself never writes.
# Source it after test-lib.sh.

# put_raw_object TYPE FILE: store FILE's bytes as an object of TYPE (blob
# or tree) with no check at all, as a damaged or hostile store would hold
# it; prints its id.  Needs /usr/bin/python3 (prerequisite PYTHON).
put_raw_object () {
	/usr/bin/python3 - "$1" "$2" <<-\PY
	import hashlib, os, struct, sys
	kind = {"blob": 1, "tree": 2}[sys.argv[1]]
	data = open(sys.argv[2], "rb").read()
	oid = hashlib.sha256(data).hexdigest()
	d = os.path.join(".mlw", "objects", oid[:2])
	os.makedirs(d, exist_ok=True)
	path = os.path.join(d, oid[2:])
	if os.path.exists(path):
	    os.chmod(path, 0o644)
	with open(path, "wb") as f:
	    f.write(b"mlwo" + bytes([1, kind, 0, 0]) + struct.pack(">Q", len(data)))
	    if data:
	        f.write(struct.pack(">II", len(data), len(data)) + data)
	print(oid)
	PY
}
