package io.github.grpclb.test.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on loopback in front of the mock API server, so that the API server can go away and come back:
 * {@link #cut()} resets the clients' connections and refuses new ones, {@link #restore()} listens again on the same
 * port. Only the client side is reset: resetting the mock's side of a watch blocks the mock's event loop for up to a
 * minute (its watch listener waits for its executor there), so those sockets stay until {@link #close()}.
 */
final class Relay implements AutoCloseable {

	private final int targetPort;

	private final Set<Socket> clients = ConcurrentHashMap.newKeySet();

	private final Set<Socket> upstreams = ConcurrentHashMap.newKeySet();

	private volatile ServerSocket listener;

	private volatile int port;

	Relay(int targetPort) throws IOException {
		this.targetPort = targetPort;
		listen(0);
	}

	int port() {
		return this.port;
	}

	private void listen(int onPort) throws IOException {
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
					this.clients.add(client);
					this.upstreams.add(upstream);
					pump(client, upstream, client);
					pump(upstream, client, client);
				}
				catch (IOException ex) {
					// Closed by cut() or close().
				}
			}
		}, "test-k8s-relay-accept");
		accept.setDaemon(true);
		accept.start();
	}

	private void pump(Socket from, Socket to, Socket clientSide) {
		Thread thread = new Thread(() -> {
			byte[] buffer = new byte[8192];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				int n;
				while ((n = in.read(buffer)) >= 0) {
					out.write(buffer, 0, n);
					out.flush();
				}
			}
			catch (IOException ex) {
				// One side closed.
			}
			finally {
				closeQuietly(clientSide);
			}
		}, "test-k8s-relay-pump");
		thread.setDaemon(true);
		thread.start();
	}

	/** The API server is gone: connections reset, new ones refused. */
	void cut() {
		closeQuietly(this.listener);
		this.clients.forEach(Relay::closeQuietly);
		this.clients.clear();
	}

	/** The API server is back at the same address. */
	void restore() throws IOException {
		for (int attempt = 0;; attempt++) {
			try {
				listen(this.port);
				return;
			}
			catch (BindException ex) {
				if (attempt >= 40) {
					throw ex;
				}
				try {
					Thread.sleep(50);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw ex;
				}
			}
		}
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			if (closeable != null) {
				closeable.close();
			}
		}
		catch (Exception ex) {
			// Closing anyway.
		}
	}

	@Override
	public void close() {
		cut();
		this.upstreams.forEach(Relay::closeQuietly);
		this.upstreams.clear();
	}

}
