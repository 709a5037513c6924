// mongodb-init.js - makes the shop's two database users, each allowed to
// read and write only its own database. The MongoDB image runs it once, on
// an empty data directory, as the root user; a user already there is left
// as it is. Passwords come from the mongodb-credentials Secret.
const shopUsers = [
  { name: 'catalogue', passwordVariable: 'MONGODB_CATALOGUE_PASSWORD' },
  { name: 'users', passwordVariable: 'MONGODB_USERS_PASSWORD' },
];
for (const user of shopUsers) {
  const database = db.getSiblingDB(user.name);
  if (database.getUser(user.name) === null) {
    database.createUser({
      user: user.name,
      pwd: process.env[user.passwordVariable],
      roles: [{ role: 'readWrite', db: user.name }],
    });
  }
}
