package io.github.grpclb.bench;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A small authoritative DNS server (UDP, dnsjava's wire format) for the discovery run: A records the run changes,
 * NXDOMAIN for names it does not know, no records for other types of a known name — what a cluster DNS answers for
 * a headless Service.
 */
final class BenchDns implements AutoCloseable {

	private final DatagramSocket socket;

	private final Map<Name, List<InetAddress>> records = new ConcurrentHashMap<>();

	private final long ttl;

	private final Thread thread;

	BenchDns(InetSocketAddress address, long ttlSeconds) throws IOException {
		this.socket = new DatagramSocket(address);
		this.ttl = ttlSeconds;
		this.thread = new Thread(this::serve, "bench-dns");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/** @return the UDP port it answers on */
	int port() {
		return this.socket.getLocalPort();
	}

	/** Answer A queries for {@code name} with these addresses from now on. */
	void publish(String name, List<String> ips) throws IOException {
		InetAddress[] addresses = new InetAddress[ips.size()];
		for (int i = 0; i < addresses.length; i++) {
			addresses[i] = InetAddress.getByName(ips.get(i));
		}
		this.records.put(absolute(name), List.of(addresses));
	}

	private void serve() {
		byte[] buffer = new byte[4096];
		while (!this.socket.isClosed()) {
			DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
			try {
				this.socket.receive(packet);
				Message query = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
				byte[] answer = answer(query).toWire(512);
				this.socket.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
			}
			catch (IOException ex) {
				if (this.socket.isClosed()) {
					return;
				}
			}
		}
	}

	private Message answer(Message query) {
		Message response = new Message(query.getHeader().getID());
		response.getHeader().setFlag(Flags.QR);
		response.getHeader().setFlag(Flags.AA);
		if (query.getHeader().getFlag(Flags.RD)) {
			response.getHeader().setFlag(Flags.RD);
		}
		Record question = query.getQuestion();
		response.addRecord(question, Section.QUESTION);
		List<InetAddress> addresses = this.records.get(question.getName().canonicalize());
		if (addresses == null) {
			response.getHeader().setRcode(Rcode.NXDOMAIN);
			return response;
		}
		if (question.getType() == Type.A) {
			for (InetAddress address : addresses) {
				response.addRecord(new ARecord(question.getName(), DClass.IN, this.ttl, address), Section.ANSWER);
			}
		}
		return response;
	}

	private static Name absolute(String name) throws TextParseException {
		return Name.fromString(name.endsWith(".") ? name : name + ".").canonicalize();
	}

	@Override
	public void close() {
		this.socket.close();
		try {
			this.thread.join(2000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
