import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.AbstractNetworkConnector;
import org.eclipse.jetty.server.Server;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts AWS's DynamoDB Local exactly as its own main class does (same command-line options: -port,
 * -dbPath, -sharedDb, ...), but listening on one address only (127.0.0.1 unless -Daiworker.host says otherwise).
 *
 * Why this file exists: DynamoDB Local has no bind option. Its DynamoDBProxyServer builds a Jetty
 * `new Server(port)`, whose connector listens on every interface, so anyone on the same network could
 * read the table, plant a session item and sign in as admin. Jetty's connector takes a host before it
 * starts, so this launcher builds the server with DynamoDB Local's own ServerRunner, sets the host on
 * the not-yet-started connector, then starts it. Alternatives considered: a SecurityManager policy
 * limiting `accept` (deprecated since Java 17 and refused from Java 24), a proxy in front (the Java port
 * would still be open), a patched jar (not ours to ship).
 *
 * The repository carries this source, not a compiled class: dynamodb-launcher.ts compiles it once (with
 * the JDK's own compiler, for release 17) into node_modules/.cache and runs it with the jar on the class path.
 * If a future DynamoDB Local changes the shape this relies on, it exits with code 3 and says so rather
 * than listening on every interface.
 */
public class DynamoDbLocalOnLoopback {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("aiworker.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Server jetty = jettyServerOf(proxy);
    int bound = 0;
    for (Connector connector : jetty.getConnectors()) {
      if (!(connector instanceof AbstractNetworkConnector)) continue;
      ((AbstractNetworkConnector) connector).setHost(host);
      bound++;
    }
    if (bound == 0) refuse("its Jetty server has no network connector");
    proxy.start();
  }

  private static Server jettyServerOf(DynamoDBProxyServer proxy) throws IllegalAccessException {
    for (Field field : DynamoDBProxyServer.class.getDeclaredFields()) {
      if (!Server.class.isAssignableFrom(field.getType())) continue;
      field.setAccessible(true);
      return (Server) field.get(proxy);
    }
    refuse("DynamoDBProxyServer holds no Jetty Server");
    return null;
  }

  private static void refuse(String why) {
    System.err.println("aiworker cannot start this DynamoDB Local on " + System.getProperty("aiworker.host", "127.0.0.1") + " only: " + why + ".");
    System.exit(3);
  }
}
