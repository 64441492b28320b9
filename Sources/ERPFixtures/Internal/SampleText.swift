/// Word lists the generator draws from. Names mix scripts (Latin with diacritics, Greek,
/// Cyrillic, CJK), apostrophes and ampersands; texts carry quotes, backslashes, newlines, tabs
/// and an emoji, so every JSON escape path and multi-byte UTF-8 sequence is exercised.
enum SampleText {
    static let customerStems = [
        "Müller", "Schröder", "Café Lumière", "Łódź Handel", "Ørsted", "Nakamura", "São Paulo Têxtil",
        "Zürich Feinmechanik", "O'Brien", "Åkesson", "Kowalczyk", "Dvořák", "İstanbul Ticaret",
        "Γιαννόπουλος", "Иванов", "東京", "Sánchez", "Smith & Jones", "Bäckerei Weiß", "Nguyễn",
    ]
    static let customerSuffixes = [
        "GmbH", "& Söhne", "S.A.", "Trading", "Ltd.", "商事", "SARL", "Sp. z o.o.", "AB", "Holdings",
    ]
    static let supplierStems = [
        "Nordwind", "Étoile", "Kōgyō", "Rheinmetall Teile", "Fjordkraft", "Andes", "Sahara", "Baltic",
        "Vltava", "Danubius",
    ]
    static let supplierSuffixes = ["Supplies", "Industrie", "Logistik", "Components", "工業", "Distribución"]

    static let firstNames = ["Anna", "José", "Zoë", "Łukasz", "Søren", "Aiko", "Ηλίας", "Олег", "Chloé", "Mehmet"]
    static let lastNames = ["Müller", "García", "Nowak", "Sørensen", "Tanaka", "O'Neil", "Dubois", "Yılmaz", "Kim", "Rossi"]
    static let designations = ["Buyer", "Accounts Payable", "Geschäftsführer", "Directrice financière", "購買担当"]

    static let itemNouns = [
        "Hex Bolt M8", "Schraube Ø 6 mm", "Kabel 3×1,5 mm²", "Łożysko kulkowe 6204", "ボールベアリング",
        "Café Crème Beans 1 kg", "Widget \"Pro\" 12\"", "Steel Pipe ½\"", "Thé vert Sencha", "Gasket Ø 40",
        "Relay 24 V DC", "Подшипник 6305", "Valve — brass", "Consulting hour", "Pallet (EUR) 1200×800",
    ]
    static let itemVariants = ["", " (blue)", " Mk II", " – bulk", " XL", " rev. B"]
    static let descriptions = [
        "<p>Standard stock item.</p>",
        "<p>Rust-free; \"A2\" grade.</p>\n<p>Pack of 100.</p>",
        "Imported — see datasheet at C:\\Docs\\Specs\\sheet.pdf",
        "Colonne 1\tColonne 2\tColonne 3",
        "Hält bis 120 °C. ☕ tested",
        "高品質の部品です。",
    ]
    static let remarks = [
        "Delivered via DHL, signed by \"K. Weiß\".",
        "Payment within 30 days.\nThank you for your business!",
        "Ref: C:\\Orders\\2026\\Q1",
        "Rabatt 2 % bei Zahlung binnen 10 Tagen",
        "Merci beaucoup ☕",
        "お支払いは月末までにお願いします",
        "Tab\tseparated\tnote",
    ]
    static let customerDetails = [
        "Key account since 2019.", "Prefers deliveries before 10:00.", "Ask for \"Frau Ünal\" at the gate.",
        "Credit reviewed quarterly.\nEscalate to finance.",
    ]
    static let uoms = ["Nos", "Kg", "Box", "Litre", "Meter", "Hour"]
    static let warehouses = ["Stores - SS", "Finished Goods - SS", "Work In Progress - SS"]
    static let cities = ["München", "Lyon", "Kraków", "Zürich", "Osaka", "São Paulo", "Αθήνα", "Київ"]
    static let countries = ["Germany", "France", "Poland", "Switzerland", "Japan", "Brazil", "Greece", "Ukraine"]
    static let streets = ["Hauptstraße", "Rue de la Paix", "ul. Długa", "Bahnhofstrasse", "本町", "Rua Augusta"]

    /// (code, units per euro as written by a bank): `conversion_rate` values.
    static let currencies: [(code: String, conversionRate: Double)] = [
        ("EUR", 1.0), ("USD", 0.9217), ("GBP", 1.1683), ("CHF", 1.0412),
    ]
}
