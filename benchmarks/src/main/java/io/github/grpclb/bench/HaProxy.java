package io.github.grpclb.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * HAProxy in front of the five backends, started for the run: {@code mode tcp} (L4, what kube-proxy does for a
 * ClusterIP Service) and {@code mode http} with HTTP/2 on both sides (L7, what a mesh sidecar does).
 */
final class HaProxy implements AutoCloseable {

	private final Process process;

	private final int l4Port;

	private final int l7Port;

	private final String version;

	private HaProxy(Process process, int l4Port, int l7Port, String version) {
		this.process = process;
		this.l4Port = l4Port;
		this.l7Port = l7Port;
		this.version = version;
	}

	/** @return the running proxy, or {@code null} when no haproxy binary is on the PATH */
	static HaProxy startIfInstalled(Path directory, int backendPort) throws IOException, InterruptedException {
		String version;
		try {
			Process probe = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
			version = new String(probe.getInputStream().readAllBytes()).lines().findFirst().orElse("haproxy");
			probe.waitFor();
		}
		catch (IOException ex) {
			return null;
		}
		int l4 = BenchBackends.freePort();
		int l7 = BenchBackends.freePort();
		StringBuilder config = new StringBuilder("""
				global
				    maxconn 4000
				defaults
				    timeout connect 5s
				    timeout client 120s
				    timeout server 120s
				frontend l4
				    mode tcp
				    bind 127.0.0.1:%d
				    default_backend pods_tcp
				frontend l7
				    mode http
				    bind 127.0.0.1:%d proto h2
				    default_backend pods_h2
				backend pods_tcp
				    mode tcp
				    balance roundrobin
				""".formatted(l4, l7));
		for (String address : BenchBackends.ADDRESSES) {
			config.append("    server tcp-%s %s:%d%n".formatted(address, address, backendPort));
		}
		config.append("backend pods_h2\n    mode http\n    balance roundrobin\n");
		for (String address : BenchBackends.ADDRESSES) {
			config.append("    server h2-%s %s:%d proto h2%n".formatted(address, address, backendPort));
		}
		Path file = directory.resolve("haproxy.cfg");
		Files.writeString(file, config);
		Process process = new ProcessBuilder("haproxy", "-db", "-f", file.toString())
			.redirectErrorStream(true)
			.redirectOutput(directory.resolve("haproxy.log").toFile())
			.start();
		HaProxy proxy = new HaProxy(process, l4, l7, version);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!listening(l4) || !listening(l7)) {
			if (!process.isAlive() || System.nanoTime() > deadline) {
				proxy.close();
				throw new IOException("haproxy did not start; see " + directory.resolve("haproxy.log"));
			}
			Thread.sleep(50);
		}
		return proxy;
	}

	private static boolean listening(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	int l4Port() {
		return this.l4Port;
	}

	int l7Port() {
		return this.l7Port;
	}

	String version() {
		return this.version;
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
		}
	}

}
