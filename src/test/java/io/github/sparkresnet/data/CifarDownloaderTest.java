package io.github.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.github.sparkresnet.BadInputException;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download against a real HTTP server on 127.0.0.1 serving a synthetic archive. */
class CifarDownloaderTest {
    @TempDir
    Path tmp;

    private HttpServer server;
    private byte[] archive;
    private String md5;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void serve() throws Exception {
        Path a = SyntheticCifar.writeArchive(tmp.resolve("origin"), 3);
        archive = Files.readAllBytes(a);
        md5 = CifarDownloader.md5Of(a);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/cifar-10-binary.tar.gz", ex -> {
            requests.incrementAndGet();
            ex.sendResponseHeaders(200, archive.length);
            ex.getResponseBody().write(archive);
            ex.close();
        });
        server.createContext("/truncated.tar.gz", ex -> {
            ex.sendResponseHeaders(200, archive.length);
            ex.getResponseBody().write(archive, 0, archive.length / 2);
            ex.close(); // the server hangs up early
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void downloadsVerifiesAndReusesTheArchive() throws Exception {
        Path dest = tmp.resolve("data");
        Path got = new CifarDownloader(url("/cifar-10-binary.tar.gz"), md5).fetch(dest);
        assertEquals(dest.resolve("cifar-10-binary.tar.gz"), got);
        assertArrayEquals(archive, Files.readAllBytes(got));
        assertEquals(1, requests.get());
        new CifarDownloader(url("/cifar-10-binary.tar.gz"), md5).fetch(dest);
        assertEquals(1, requests.get(), "a verified archive is not fetched again");
        assertEquals(6, CifarSource.resolve(got.toString(), new org.apache.hadoop.conf.Configuration()).files().size());
    }

    @Test
    void aChecksumMismatchLeavesNothingBehind() throws Exception {
        Path dest = tmp.resolve("data");
        String wrong = "c32a1d4ab5d03f1284b67883e8d87530";
        String msg = assertThrows(BadInputException.class,
                () -> new CifarDownloader(url("/cifar-10-binary.tar.gz"), wrong).fetch(dest)).getMessage();
        assertTrue(msg.contains("has MD5 " + md5 + ", expected " + wrong), msg);
        assertNoFiles(dest);
    }

    @Test
    void aMissingFileOnTheServerIsReported() throws Exception {
        Path dest = tmp.resolve("data");
        String msg = assertThrows(BadInputException.class,
                () -> new CifarDownloader(url("/nothing-here"), md5).fetch(dest)).getMessage();
        assertTrue(msg.contains("HTTP 404"), msg);
        assertNoFiles(dest);
    }

    @Test
    void aConnectionCutShortLeavesNothingBehind() throws Exception {
        Path dest = tmp.resolve("data");
        assertThrows(BadInputException.class, () -> new CifarDownloader(url("/truncated.tar.gz"), md5).fetch(dest));
        assertNoFiles(dest);
    }

    @Test
    void anExistingArchiveWithTheWrongChecksumIsNotTrusted() throws Exception {
        Path dest = Files.createDirectories(tmp.resolve("data"));
        Files.write(dest.resolve("cifar-10-binary.tar.gz"), new byte[] {1, 2, 3});
        String msg = assertThrows(BadInputException.class,
                () -> new CifarDownloader(url("/cifar-10-binary.tar.gz"), md5).fetch(dest)).getMessage();
        assertTrue(msg.contains("exists but its MD5"), msg);
        assertEquals(0, requests.get());
    }

    private static void assertNoFiles(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count(), "no partial download may remain in " + dir);
        }
    }
}
