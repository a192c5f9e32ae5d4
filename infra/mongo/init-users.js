// Runs once, on the first start of an empty data directory (docker-entrypoint-initdb.d),
// before the replica set exists. One user per service, allowed to read and write only that
// service's own database (DESIGN §3: no service reads another's database). Passwords come
// from the environment (MONGO_PASSWORD_<SERVICE>); none is written in any file.
// To rotate a password later: db.getSiblingDB("care_<service>").changeUserPassword(...).
const services = ["registry", "pairing", "activities", "notifications", "reporting", "gateway"];

for (const service of services) {
  const variable = "MONGO_PASSWORD_" + service.toUpperCase();
  const pwd = process.env[variable];
  if (!pwd || !/^[A-Za-z0-9._~-]{16,}$/.test(pwd)) {
    throw new Error(variable + " must be at least 16 URL-safe characters [A-Za-z0-9._~-]");
  }
  const dbName = "care_" + service;
  const database = db.getSiblingDB(dbName);
  if (database.getUser(service) === null) {
    database.createUser({ user: service, pwd: pwd, roles: [{ role: "readWrite", db: dbName }] });
    print("created MongoDB user " + service + " on " + dbName);
  } else {
    database.updateUser(service, { pwd: pwd, roles: [{ role: "readWrite", db: dbName }] });
    print("updated MongoDB user " + service + " on " + dbName);
  }
}
