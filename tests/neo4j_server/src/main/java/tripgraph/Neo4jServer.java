package tripgraph;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Starts an embedded Neo4j 5 Community DBMS with only Bolt on 127.0.0.1, auth on, and blocks
 * until SIGTERM/SIGINT, when the shutdown hook stops the DBMS cleanly (store files flushed).
 *
 * <p>Configuration comes from the environment so the shell script and CI can drive it:
 * NEO4J_PASSWORD (default tripgraph-dev), NEO4J_BOLT_PORT (7687), NEO4J_HOME_DIR
 * (tests/neo4j_server/run), NEO4J_DATA_DIR (HOME/data), NEO4J_PAGECACHE_MB (256).
 * Prints exactly one line starting with "READY " once a Bolt handshake succeeds.
 */
public final class Neo4jServer {
    private static final String USER = "neo4j";
    // Neo4j refuses passwords shorter than dbms.security.auth_minimum_password_length (8).
    private static final String DEFAULT_PASSWORD = "tripgraph-dev";

    private Neo4jServer() {}

    public static void main(String[] args) throws InterruptedException {
        try {
            run();
        } catch (Exception e) {
            // Neo4j's non-daemon threads would keep a half-started JVM alive; exiting runs
            // the shutdown hook (if registered) and lets the start script report the failure.
            System.out.println("FAILED " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void run() throws Exception {
        Map<String, String> env = System.getenv();
        String password = env.getOrDefault("NEO4J_PASSWORD", DEFAULT_PASSWORD);
        int port = Integer.parseInt(env.getOrDefault("NEO4J_BOLT_PORT", "7687"));
        Path home = Path.of(env.getOrDefault("NEO4J_HOME_DIR", "tests/neo4j_server/run")).toAbsolutePath();
        Path data = Path.of(env.getOrDefault("NEO4J_DATA_DIR", home.resolve("data").toString())).toAbsolutePath();
        long pagecacheMb = Long.parseLong(env.getOrDefault("NEO4J_PAGECACHE_MB", "256"));

        long started = System.nanoTime();
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                .setConfig(GraphDatabaseSettings.data_directory, data)
                .setConfig(GraphDatabaseSettings.logs_directory, home.resolve("logs"))
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
                // Tests and CI must not phone home (and cannot: no network here).
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("STOPPING neo4j");
            dbms.shutdown();
            System.out.println("STOPPED neo4j");
            stopped.countDown();
        }, "neo4j-shutdown"));

        long dbmsStarted = System.nanoTime();
        // Also the first Cypher query: it pays the planner's warm-up before READY, not a test.
        setPassword(dbms, password);
        waitForBolt(port, Duration.ofSeconds(60));
        long now = System.nanoTime();
        System.out.printf("READY bolt://127.0.0.1:%d user=%s startup_ms=%d dbms_ms=%d first_query_ms=%d%n",
                port, USER, (now - started) / 1_000_000, (dbmsStarted - started) / 1_000_000,
                (now - dbmsStarted) / 1_000_000);
        System.out.flush();
        stopped.await();
    }

    /**
     * Embedded code runs with full rights on the system database, so setting the password there
     * replaces the first-login "change the default password" dance of a packaged server and
     * also follows a changed NEO4J_PASSWORD on an existing data dir.
     */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database("system").executeTransactionally(
                    "ALTER USER " + USER + " SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (QueryExecutionException e) {
            // Re-setting the current password is refused; that is the normal restart case.
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
        }
    }

    /** A Bolt version handshake, not just a TCP connect: proves the Bolt server answers. */
    private static void waitForBolt(int port, Duration timeout) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                socket.setSoTimeout(2000);
                OutputStream out = socket.getOutputStream();
                out.write(new byte[] {
                    0x60, 0x60, (byte) 0xB0, 0x17, // Bolt magic preamble
                    0, 4, 4, 5,                    // 5.4 down to 5.0
                    0, 0, 4, 4,                    // 4.4
                    0, 0, 0, 0, 0, 0, 0, 0});
                out.flush();
                int agreed = new DataInputStream(socket.getInputStream()).readInt();
                if (agreed != 0) {
                    return;
                }
                last = new IOException("Bolt server agreed no protocol version");
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IOException("Bolt did not answer on 127.0.0.1:" + port + " within " + timeout, last);
    }
}
