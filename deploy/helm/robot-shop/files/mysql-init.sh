# mysql-init.sh - makes the shop's two databases and their users, each
# allowed only its own database. The MariaDB image runs it once, on an empty
# data directory, against its first-start server (local socket, as root);
# every statement is idempotent, so running it again by hand changes nothing
# but the passwords. Passwords come from the mysql-credentials Secret.
mariadb --protocol=socket -uroot -p"${MARIADB_ROOT_PASSWORD}" <<SQL
CREATE DATABASE IF NOT EXISTS cities;
CREATE DATABASE IF NOT EXISTS ratings;
CREATE USER IF NOT EXISTS 'shipping'@'%';
ALTER USER 'shipping'@'%' IDENTIFIED BY '${MYSQL_SHIPPING_PASSWORD}';
GRANT ALL PRIVILEGES ON cities.* TO 'shipping'@'%';
CREATE USER IF NOT EXISTS 'ratings'@'%';
ALTER USER 'ratings'@'%' IDENTIFIED BY '${MYSQL_RATINGS_PASSWORD}';
GRANT ALL PRIVILEGES ON ratings.* TO 'ratings'@'%';
SQL
