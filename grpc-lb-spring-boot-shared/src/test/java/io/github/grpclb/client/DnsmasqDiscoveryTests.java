package io.github.grpclb.client;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The discovery scenarios against a real DNS server: Debian's dnsmasq, serving a hosts file that the test
 * rewrites (SIGHUP makes dnsmasq read it again). An outage is SIGSTOP/SIGCONT. Queries are counted from dnsmasq's
 * own query log ({@code --log-queries}). Runs only in the Maven profile
 * {@code dnsmasq} ({@code .ci/run} installs the package); there it fails, not skips, when dnsmasq is missing.
 */
@Tag("dnsmasq")
class DnsmasqDiscoveryTests extends DnsDiscoveryScenarios {

	@TempDir
	Path directory;

	private final Map<String, List<String>> hosts = new LinkedHashMap<>();

	private final List<String> srvHosts = new ArrayList<>();

	private int port;

	private Process dnsmasq;

	@BeforeEach
	void startDnsmasq() throws Exception {
		writeHosts();
		start();
	}

	@AfterEach
	void stopDnsmasq() throws InterruptedException {
		stop();
	}

	private void start() throws IOException, InterruptedException {
		// dnsmasq listens on UDP and TCP: whatever else runs on this machine may take the port between our check and
		// dnsmasq's bind. Then try another port.
		for (int attempt = 1;; attempt++) {
			this.port = freePort();
			try {
				startOn(this.port);
				return;
			}
			catch (IllegalStateException ex) {
				if (attempt == 5 || !String.valueOf(ex.getMessage()).contains("Address already in use")) {
					throw ex;
				}
			}
		}
	}

	private void startOn(int port) throws IOException, InterruptedException {
		List<String> command = new ArrayList<>(List.of("dnsmasq", "--no-daemon", "--port=" + port,
				"--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
				"--addn-hosts=" + this.directory.resolve("hosts"), "--local-ttl=1", "--log-queries",
				"--log-facility=" + this.directory.resolve("queries.log"),
				"--pid-file=" + this.directory.resolve("dnsmasq.pid")));
		this.srvHosts.forEach((srv) -> command.add("--srv-host=" + srv));
		this.dnsmasq = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(this.directory.resolve("dnsmasq.log").toFile())
			.start();
		// Ready when it answers.
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!answers()) {
			if (!this.dnsmasq.isAlive() || System.nanoTime() > deadline) {
				throw new IllegalStateException("dnsmasq did not start: " + Files.readString(this.directory.resolve("dnsmasq.log")));
			}
			Thread.sleep(50);
		}
	}

	private void stop() throws InterruptedException {
		if (this.dnsmasq != null) {
			this.dnsmasq.destroy();
			this.dnsmasq.waitFor(5, TimeUnit.SECONDS);
		}
	}

	private boolean answers() {
		try {
			SimpleResolver resolver = new SimpleResolver(new java.net.InetSocketAddress("127.0.0.1", this.port));
			resolver.setTimeout(java.time.Duration.ofMillis(200));
			resolver.send(Message.newQuery(Record.newRecord(Name.fromString("probe.test."), Type.A, DClass.IN)));
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	@Override
	protected String dnsServer() {
		return "127.0.0.1:" + this.port;
	}

	@Override
	protected void publish(String name, List<String> ips) {
		this.hosts.put(name, ips);
		try {
			writeHosts();
			signal("HUP");
			// dnsmasq reads the file on the signal; give it a moment before the test starts its clock.
			Thread.sleep(100);
		}
		catch (IOException | InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Override
	protected void publishSrv(String srvName, int port, Map<String, String> targets) {
		// SRV records come from the command line: restart with them.
		targets.forEach((host, ip) -> this.hosts.put(host, List.of(ip)));
		targets.keySet().forEach((host) -> this.srvHosts.add(srvName + "," + host + "," + port));
		try {
			writeHosts();
			stop();
			start();
		}
		catch (IOException | InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Override
	protected void outage(boolean down) {
		signal(down ? "STOP" : "CONT");
	}

	@Override
	protected int addressQueries() {
		// dnsmasq logs each query as it arrives, e.g. "dnsmasq[42]: query[A] orders.test from 127.0.0.1".
		String logged = "query[A] " + NAME + " from ";
		try (java.util.stream.Stream<String> lines = Files.lines(this.directory.resolve("queries.log"))) {
			return (int) lines.filter((line) -> line.contains(logged)).count();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void writeHosts() throws IOException {
		StringBuilder text = new StringBuilder();
		this.hosts.forEach((name, ips) -> ips.forEach((ip) -> text.append(ip).append(' ').append(name).append('\n')));
		Files.writeString(this.directory.resolve("hosts"), text);
	}

	private void signal(String signal) {
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(this.dnsmasq.pid())).start();
			if (kill.waitFor() != 0) {
				throw new IllegalStateException("kill -" + signal + " failed");
			}
		}
		catch (IOException | InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A port free on 127.0.0.1 for both UDP and TCP right now. */
	private static int freePort() throws IOException {
		while (true) {
			try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
				try (ServerSocket tcp = new ServerSocket(udp.getLocalPort(), 1, InetAddress.getLoopbackAddress())) {
					return tcp.getLocalPort();
				}
				catch (IOException ex) {
					// Taken for TCP: try another.
				}
			}
		}
	}

}
