// MongoDB healthcheck (mongosh, authenticated as root): initiates the single-node replica
// set on the first run, then reports healthy only once this node is PRIMARY, so services
// that depend on it can use transactions from their first request.
let status = null;
try {
  status = rs.status();
} catch (error) {
  if (error.codeName === "NotYetInitialized" || /no replset config/i.test(String(error))) {
    rs.initiate({ _id: "rs0", members: [{ _id: 0, host: "mongo:27017" }] });
    print("replica set rs0 initiated");
  } else {
    print("rs.status failed: " + error);
  }
  quit(1);
}
quit(status.myState === 1 ? 0 : 1);
