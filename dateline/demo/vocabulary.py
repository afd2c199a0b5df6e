"""The news words of generated articles (no Django here: `make bench` reads it too)."""

WORDS = (  # noqa: SIM905 - a vocabulary reads best as text
    "ceasefire coalition minister parliament election talks border refugees aid "
    "sanctions embassy summit treaty militia offensive pipeline drought harvest protest "
    "court verdict budget inflation currency exports oil gas port railway hospital "
    "school university journalist report inquiry leak scandal resignation envoy "
    "negotiations truce airstrike convoy checkpoint province capital village river "
    "desert mountain coast island president governor mayor general spokesman official "
    "witness survivor family crowd agreement vote reform law tax tariff loan debt "
    "investment market strike union storm flood earthquake wildfire heatwave vaccine "
    "outbreak clinic supplies water power Baghdad Damascus Beirut Cairo Amman Ankara "
    "Tehran Riyadh Sanaa Gaza Jerusalem Mosul Aleppo Basra Erbil Tripoli Tunis Algiers "
    "Rabat Khartoum Doha Dubai Muscat Kuwait "
).split()
