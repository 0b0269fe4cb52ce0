package io.github.sparkresnet.data;

import io.github.sparkresnet.BadInputException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opt-in download of {@code cifar-10-binary.tar.gz} into a local directory.
 *
 * <p>The archive is written to a temporary file beside the target, its MD5 checked, and only then
 * moved into place atomically: an interrupted or corrupt download never leaves a file under the
 * final name. An archive already present with the right checksum is not fetched again.
 */
public final class CifarDownloader {
    public static final String OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
    public static final String ARCHIVE_NAME = "cifar-10-binary.tar.gz";
    public static final String ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
    private static final Logger LOG = LoggerFactory.getLogger(CifarDownloader.class);
    private static final long PROGRESS_EVERY_BYTES = 16L << 20;

    private final URI url;
    private final String expectedMd5;

    public CifarDownloader(URI url, String expectedMd5) {
        this.url = url;
        this.expectedMd5 = expectedMd5.toLowerCase();
    }

    /** Downloads (if needed) into {@code directory} and returns the archive's path. */
    public Path fetch(Path directory) {
        Path target = directory.resolve(ARCHIVE_NAME);
        try {
            Files.createDirectories(directory);
            if (Files.isRegularFile(target)) {
                String md5 = md5Of(target);
                if (md5.equals(expectedMd5)) {
                    LOG.info("{} already present, MD5 {} verified; not downloading", target, md5);
                    return target;
                }
                throw new BadInputException(target + ": exists but its MD5 is " + md5 + ", expected " + expectedMd5
                        + "; delete it to download again");
            }
            Path part = Files.createTempFile(directory, "." + ARCHIVE_NAME + ".", ".part");
            try {
                String md5 = download(part);
                if (!md5.equals(expectedMd5)) {
                    throw new BadInputException(url + ": downloaded archive has MD5 " + md5 + ", expected " + expectedMd5
                            + " (corrupt download or wrong file); nothing was kept");
                }
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
                LOG.info("downloaded {} to {} (MD5 {} verified)", url, target, md5);
                return target;
            } finally {
                Files.deleteIfExists(part);
            }
        } catch (IOException e) {
            throw new BadInputException("download of " + url + " into " + directory + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BadInputException("download of " + url + " was interrupted", e);
        }
    }

    private String download(Path part) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(url).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new BadInputException(url + ": server answered HTTP " + response.statusCode() + ", expected 200");
            }
            long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            MessageDigest digest = md5();
            long done = 0;
            long nextReport = PROGRESS_EVERY_BYTES;
            long start = System.nanoTime();
            try (InputStream in = new DigestInputStream(body, digest); OutputStream out = Files.newOutputStream(part)) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                    done += n;
                    if (done >= nextReport) {
                        nextReport += PROGRESS_EVERY_BYTES;
                        double mbPerS = done / 1e6 / Math.max(1e-9, (System.nanoTime() - start) / 1e9);
                        LOG.info("downloading {}: {} MB{} at {} MB/s", ARCHIVE_NAME, done >> 20,
                                total > 0 ? " of " + (total >> 20) : "", String.format("%.1f", mbPerS));
                    }
                }
            }
            if (total > 0 && done != total) {
                throw new BadInputException(url + ": download ended after " + done + " of " + total + " bytes");
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    static String md5Of(Path file) throws IOException {
        MessageDigest digest = md5();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no MD5", e);
        }
    }
}
