package io.github.sparkresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparkresnet.BadInputException;

import org.junit.jupiter.api.Test;

/** Decoded images (Spark's BGR(A)/gray interleaved rows) as CIFAR-10's 32×32 planar RGB bytes. */
class ImagePixelsTest {
    private static final int PLANE = 32 * 32;

    /** An interleaved image whose channel {@code c} at (y, x) is {@code value(y, x, c)}. */
    private interface Pixel {
        int value(int y, int x, int c);
    }

    private static byte[] image(int height, int width, int channels, Pixel pixel) {
        byte[] data = new byte[height * width * channels];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < channels; c++) {
                    data[(y * width + x) * channels + c] = (byte) pixel.value(y, x, c);
                }
            }
        }
        return data;
    }

    private static int at(byte[] cifar, int rgb, int y, int x) {
        return cifar[rgb * PLANE + y * 32 + x] & 0xFF;
    }

    @Test
    void aBgrImageOf32x32IsOnlyReorderedToPlanarRgb() {
        byte[] bgr = image(32, 32, 3, (y, x, c) -> (y * 7 + x * 3 + c * 85) % 256);
        byte[] rgb = ImagePixels.toCifarLayout("a.png", 32, 32, 3, bgr);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                for (int c = 0; c < 3; c++) { // red is BGR's channel 2
                    assertEquals(bgr[(y * 32 + x) * 3 + 2 - c] & 0xFF, at(rgb, c, y, x));
                }
            }
        }
    }

    @Test
    void grayIsRepeatedOverTheThreeChannelsAndAlphaDropped() {
        byte[] gray = image(32, 32, 1, (y, x, c) -> y * 8 + x % 8);
        byte[] rgb = ImagePixels.toCifarLayout("g.png", 32, 32, 1, gray);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < PLANE; i++) {
                assertEquals(gray[i], rgb[c * PLANE + i]);
            }
        }
        byte[] bgra = image(32, 32, 4, (y, x, c) -> c == 3 ? 17 : y + x + c * 50);
        byte[] bgr = image(32, 32, 3, (y, x, c) -> y + x + c * 50);
        assertArrayEquals(ImagePixels.toCifarLayout("b.png", 32, 32, 3, bgr),
                ImagePixels.toCifarLayout("a.png", 32, 32, 4, bgra));
    }

    @Test
    void anyShapeOfOneColourStaysThatColour() {
        byte[] flat = image(100, 61, 3, (y, x, c) -> new int[] {10, 128, 250}[c]);
        byte[] rgb = ImagePixels.toCifarLayout("flat.jpg", 100, 61, 3, flat);
        for (int i = 0; i < PLANE; i++) {
            assertEquals(250, rgb[i] & 0xFF);
            assertEquals(128, rgb[PLANE + i] & 0xFF);
            assertEquals(10, rgb[2 * PLANE + i] & 0xFF);
        }
    }

    @Test
    void shrinkingAveragesEverySourcePixelInsteadOfAliasing() {
        // one-pixel checkerboard: bilinear from four neighbours would give stripes of 0 and 255
        byte[] board = image(256, 256, 1, (y, x, c) -> (x + y) % 2 == 0 ? 0 : 255);
        byte[] rgb = ImagePixels.toCifarLayout("board.png", 256, 256, 1, board);
        for (int i = 0; i < 3 * PLANE; i++) {
            int v = rgb[i] & 0xFF;
            assertTrue(Math.abs(v - 127.5) <= 1, "pixel " + i + " = " + v);
        }
    }

    @Test
    void growingInterpolatesBetweenNeighbours() {
        // 16x16, left half black, right half white: doubled, the edge gets two interpolated columns
        byte[] half = image(16, 16, 1, (y, x, c) -> x < 8 ? 0 : 255);
        byte[] rgb = ImagePixels.toCifarLayout("half.png", 16, 16, 1, half);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int expected = x <= 14 ? 0 : x == 15 ? 64 : x == 16 ? 191 : 255;
                assertEquals(expected, at(rgb, 0, y, x), "(" + y + ", " + x + ")");
            }
        }
    }

    @Test
    void undecodableOrInconsistentImagesAreBadInputNamingTheFile() {
        BadInputException undecodable = assertThrows(BadInputException.class,
                () -> ImagePixels.toCifarLayout("file:/data/cats/broken.jpg", -1, -1, -1, new byte[0]));
        assertTrue(undecodable.getMessage().startsWith("file:/data/cats/broken.jpg: not a decodable image"),
                undecodable.getMessage());
        BadInputException size = assertThrows(BadInputException.class,
                () -> ImagePixels.toCifarLayout("x.png", 4, 4, 3, new byte[47]));
        assertEquals("x.png: expected 48 bytes for 4x4x3; found 47", size.getMessage());
        BadInputException channels = assertThrows(BadInputException.class,
                () -> ImagePixels.toCifarLayout("y.png", 4, 4, 2, new byte[32]));
        assertTrue(channels.getMessage().contains("found 2"), channels.getMessage());
    }
}
