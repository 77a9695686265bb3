package io.github.grpclb.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A DNS server inside the test JVM: real DNS messages (dnsjava's wire format) over UDP on 127.0.0.1, with records
 * the test changes while clients run. It can also stop answering, to play a DNS outage.
 */
public final class DnsResponder implements AutoCloseable {

	private final DatagramSocket socket;

	private final Thread thread;

	private final Map<Name, List<InetAddress>> addresses = new ConcurrentHashMap<>();

	private final Map<Name, List<Record>> srv = new ConcurrentHashMap<>();

	private final AtomicInteger queries = new AtomicInteger();

	private final Map<String, AtomicInteger> queriesByQuestion = new ConcurrentHashMap<>();

	private volatile boolean answering = true;

	private volatile long ttl = 1;

	public DnsResponder() {
		try {
			this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
		}
		catch (SocketException ex) {
			throw new UncheckedIOException(ex);
		}
		this.thread = new Thread(this::serve, "test-dns-responder");
		this.thread.setDaemon(true);
		this.thread.start();
	}

	/** @return {@code host:port} of this server, for a target such as {@code dns://<this>/orders.test:9090} */
	public String address() {
		return "127.0.0.1:" + this.socket.getLocalPort();
	}

	/** @return the UDP address this server listens on */
	public InetSocketAddress socketAddress() {
		return new InetSocketAddress(InetAddress.getLoopbackAddress(), this.socket.getLocalPort());
	}

	/**
	 * Answer A queries for a name with these addresses (replacing earlier ones).
	 * @param name the name
	 * @param ips the addresses
	 */
	public void setAddresses(String name, List<String> ips) {
		List<InetAddress> list = new ArrayList<>();
		for (String ip : ips) {
			try {
				list.add(InetAddress.getByName(ip));
			}
			catch (UnknownHostException ex) {
				throw new IllegalArgumentException(ip, ex);
			}
		}
		this.addresses.put(name(name), List.copyOf(list));
	}

	/**
	 * Answer SRV queries for a name with one record per target, all with this port.
	 * @param name the SRV name, e.g. {@code _grpc._tcp.orders.test}
	 * @param port the port
	 * @param targets the target host names
	 */
	public void setSrv(String name, int port, List<String> targets) {
		List<Record> records = new ArrayList<>();
		for (String target : targets) {
			records.add(new SRVRecord(name(name), DClass.IN, this.ttl, 0, 10, port, name(target)));
		}
		this.srv.put(name(name), records);
	}

	/** @param answering whether queries get an answer (false: they are dropped, clients time out) */
	public void answering(boolean answering) {
		this.answering = answering;
	}

	/** @param seconds TTL of the records it answers with */
	public void ttl(long seconds) {
		this.ttl = seconds;
	}

	/** @return how many queries arrived */
	public int queries() {
		return this.queries.get();
	}

	/**
	 * How many queries arrived for one name and record type, answered or not.
	 * @param name the name asked for, e.g. {@code orders.test}
	 * @param type the record type, e.g. {@link Type#A}
	 * @return the count
	 */
	public int queries(String name, int type) {
		AtomicInteger count = this.queriesByQuestion.get(question(name(name), type));
		return (count != null) ? count.get() : 0;
	}

	private void serve() {
		byte[] buffer = new byte[4096];
		while (!this.socket.isClosed()) {
			DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
			try {
				this.socket.receive(packet);
				this.queries.incrementAndGet();
				Message query = new Message(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
				Record question = query.getQuestion();
				if (question != null) {
					this.queriesByQuestion
						.computeIfAbsent(question(question.getName(), question.getType()), (key) -> new AtomicInteger())
						.incrementAndGet();
				}
				if (!this.answering) {
					continue;
				}
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
		Record question = query.getQuestion();
		response.addRecord(question, Section.QUESTION);
		Name name = question.getName();
		boolean known = this.addresses.containsKey(name) || this.srv.containsKey(name);
		if (!known) {
			response.getHeader().setRcode(Rcode.NXDOMAIN);
			return response;
		}
		if (question.getType() == Type.A) {
			for (InetAddress address : this.addresses.getOrDefault(name, List.of())) {
				response.addRecord(new ARecord(name, DClass.IN, this.ttl, address), Section.ANSWER);
			}
		}
		else if (question.getType() == Type.SRV) {
			for (Record record : this.srv.getOrDefault(name, List.of())) {
				response.addRecord(record, Section.ANSWER);
			}
		}
		// Other types (AAAA): NOERROR without records.
		return response;
	}

	private static String question(Name name, int type) {
		return name.toString().toLowerCase(java.util.Locale.ROOT) + " " + Type.string(type);
	}

	private static Name name(String name) {
		try {
			return Name.fromString(name.endsWith(".") ? name : name + ".");
		}
		catch (TextParseException ex) {
			throw new IllegalArgumentException(name, ex);
		}
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
