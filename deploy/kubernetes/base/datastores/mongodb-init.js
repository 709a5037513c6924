// mongodb-init.js - makes the shop's two database users, each allowed to
// read and write only its own database, and the metrics exporter's user,
// allowed only to read the server's state (clusterMonitor) and the local
// database (the oplog's size and window). The MongoDB image runs it once,
// on an empty data directory, as the root user; a user already there is
// left as it is, so running it again by hand (say, on a volume made before
// a user was added) adds only the missing ones. Passwords come from the
// mongodb-credentials Secret.
const users = [
  { name: 'catalogue', database: 'catalogue', passwordVariable: 'MONGODB_CATALOGUE_PASSWORD', roles: [{ role: 'readWrite', db: 'catalogue' }] },
  { name: 'users', database: 'users', passwordVariable: 'MONGODB_USERS_PASSWORD', roles: [{ role: 'readWrite', db: 'users' }] },
  { name: 'monitoring', database: 'admin', passwordVariable: 'MONGODB_MONITORING_PASSWORD', roles: [{ role: 'clusterMonitor', db: 'admin' }, { role: 'read', db: 'local' }] },
];
for (const user of users) {
  const database = db.getSiblingDB(user.database);
  if (database.getUser(user.name) === null) {
    database.createUser({ user: user.name, pwd: process.env[user.passwordVariable], roles: user.roles });
  }
}
