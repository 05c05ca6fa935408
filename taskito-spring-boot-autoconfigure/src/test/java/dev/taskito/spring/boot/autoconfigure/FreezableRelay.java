package dev.taskito.spring.boot.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay to a server that can be frozen: while frozen, no byte crosses and no
 * connection fails, as on a silent network. Closing it closes every connection.
 */
final class FreezableRelay implements AutoCloseable {

	private final ServerSocket server;

	private final String targetHost;

	private final int targetPort;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private final Object monitor = new Object();

	private boolean frozen;

	private boolean closed;

	FreezableRelay(String targetHost, int targetPort) throws IOException {
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread acceptor = new Thread(this::accept, "relay-accept");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	int port() {
		return this.server.getLocalPort();
	}

	void freeze() {
		synchronized (this.monitor) {
			this.frozen = true;
		}
	}

	private void accept() {
		while (!this.server.isClosed()) {
			try {
				Socket client = this.server.accept();
				Socket target = new Socket(this.targetHost, this.targetPort);
				this.sockets.add(client);
				this.sockets.add(target);
				pump(client, target);
				pump(target, client);
			}
			catch (IOException ex) {
				return;
			}
		}
	}

	private void pump(Socket from, Socket to) {
		Thread pump = new Thread(() -> {
			byte[] buffer = new byte[8192];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
					awaitThaw();
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException | InterruptedException ex) {
				// The relay or one side closed.
			}
		}, "relay-pump");
		pump.setDaemon(true);
		pump.start();
	}

	private void awaitThaw() throws InterruptedException {
		synchronized (this.monitor) {
			while (this.frozen && !this.closed) {
				this.monitor.wait();
			}
		}
	}

	@Override
	public void close() throws IOException {
		synchronized (this.monitor) {
			this.closed = true;
			this.monitor.notifyAll();
		}
		this.server.close();
		for (Socket socket : this.sockets) {
			socket.close();
		}
	}

}
