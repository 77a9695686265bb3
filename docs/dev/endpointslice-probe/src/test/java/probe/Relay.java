package probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on loopback in front of the mock API server: cut() drops every connection and refuses new ones (the
 * API server is gone), restore() listens again on the same port (it is back). The mock keeps its state throughout.
 */
final class Relay implements AutoCloseable {

	private final int targetPort;

	/** Client-side sockets: reset on cut(). */
	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	/**
	 * Mock-side sockets: never closed before close(). Closing them makes the mock's WatchEventsListener.onFailure
	 * block the Vert.x event loop (awaitTermination, up to a minute), so the mock answers nothing meanwhile.
	 */
	private final Set<Socket> upstreams = ConcurrentHashMap.newKeySet();

	/** Whether cut() also resets the mock-side sockets (shows the mock's stall). */
	volatile boolean resetUpstream;

	private volatile ServerSocket listener;

	/** Set by cut(): pumps log traffic that still flows afterwards (diagnostics for CutProbeTest). */
	private volatile boolean cutDone;

	private int port;

	Relay(int targetPort) throws IOException {
		this.targetPort = targetPort;
		listen(0);
	}

	int port() {
		return this.port;
	}

	private void listen(int onPort) throws IOException {
		this.cutDone = false;
		ServerSocket socket = new ServerSocket();
		socket.setReuseAddress(true);
		socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort));
		this.port = socket.getLocalPort();
		this.listener = socket;
		Thread accept = new Thread(() -> {
			while (!socket.isClosed()) {
				try {
					Socket client = socket.accept();
					Socket upstream = new Socket(InetAddress.getLoopbackAddress(), this.targetPort);
					this.sockets.add(client);
					this.upstreams.add(upstream);
					pump(client, upstream);
					pump(upstream, client);
				}
				catch (IOException ex) {
					// closed
				}
			}
		}, "relay-accept");
		accept.setDaemon(true);
		accept.start();
	}

	private void pump(Socket from, Socket to) {
		Thread t = new Thread(() -> {
			byte[] buffer = new byte[8192];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				int n;
				while ((n = in.read(buffer)) >= 0) {
					if (this.cutDone) {
						Probe.log("  relay: %d bytes %s -> %s after the cut (client socket closed=%s)", n,
								from.getLocalPort() == this.port ? "client" : "mock",
								to.getLocalPort() == this.port ? "client" : "mock",
								(this.upstreams.contains(from) ? to : from).isClosed());
					}
					out.write(buffer, 0, n);
					out.flush();
				}
			}
			catch (IOException ex) {
				// closed
			}
			finally {
				// Only the client side is closed here; see upstreams.
				closeQuietly(this.upstreams.contains(from) ? to : from);
				if (this.resetUpstream) {
					closeQuietly(from);
					closeQuietly(to);
				}
			}
		}, "relay-pump");
		t.setDaemon(true);
		t.start();
	}

	/** The API server is gone: existing connections reset, new ones refused. */
	void cut() {
		this.cutDone = true;
		Probe.log("  relay: cutting %d client connections (%d to the mock kept)", this.sockets.size(), this.upstreams.size());
		closeQuietly(this.listener);
		this.sockets.forEach(Relay::closeQuietly);
		this.sockets.clear();
		if (this.resetUpstream) {
			this.upstreams.forEach(Relay::closeQuietly);
			this.upstreams.clear();
		}
	}

	/** The API server is back, same address. */
	void restore() throws IOException {
		// Right after cut() the port can still be held for a moment ("Address already in use"): retry briefly.
		for (int attempt = 0;; attempt++) {
			try {
				listen(this.port);
				return;
			}
			catch (java.net.BindException ex) {
				if (attempt >= 40) {
					throw ex;
				}
				try {
					Thread.sleep(50);
				}
				catch (InterruptedException ie) {
					Thread.currentThread().interrupt();
					throw ex;
				}
			}
		}
	}

	private static void closeQuietly(AutoCloseable c) {
		try {
			if (c != null) {
				c.close();
			}
		}
		catch (Exception ex) {
			// ignore
		}
	}

	@Override
	public void close() {
		cut();
		this.upstreams.forEach(Relay::closeQuietly);
	}

}
