# mysql-init.sh - makes the shop's two databases and their users, each
# allowed only its own database, and the metrics exporter's user, allowed
# only to read the server's status (PROCESS, REPLICATION CLIENT and SLAVE
# MONITOR on the server, SELECT on performance_schema), from the pod itself
# (127.0.0.1, where the monitoring component's exporter runs), and never
# more than three connections. The MariaDB image runs it once, on an empty
# data directory, against its first-start server (local socket, as root);
# every statement is idempotent, so running it again by hand (say, on a
# volume made before a user was added) changes nothing but the passwords.
# Passwords come from the mysql-credentials Secret.
mariadb --protocol=socket -uroot -p"${MARIADB_ROOT_PASSWORD}" <<SQL
CREATE DATABASE IF NOT EXISTS cities;
CREATE DATABASE IF NOT EXISTS ratings;
CREATE USER IF NOT EXISTS 'shipping'@'%';
ALTER USER 'shipping'@'%' IDENTIFIED BY '${MYSQL_SHIPPING_PASSWORD}';
GRANT ALL PRIVILEGES ON cities.* TO 'shipping'@'%';
CREATE USER IF NOT EXISTS 'ratings'@'%';
ALTER USER 'ratings'@'%' IDENTIFIED BY '${MYSQL_RATINGS_PASSWORD}';
GRANT ALL PRIVILEGES ON ratings.* TO 'ratings'@'%';
CREATE USER IF NOT EXISTS 'monitoring'@'127.0.0.1';
ALTER USER 'monitoring'@'127.0.0.1' IDENTIFIED BY '${MYSQL_MONITORING_PASSWORD}' WITH MAX_USER_CONNECTIONS 3;
GRANT PROCESS, REPLICATION CLIENT, SLAVE MONITOR ON *.* TO 'monitoring'@'127.0.0.1';
GRANT SELECT ON performance_schema.* TO 'monitoring'@'127.0.0.1';
SQL
