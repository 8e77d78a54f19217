package synth

import "strings"

// Name pools. Given names are what parents in each culture commonly choose;
// Indonesian names mostly have no family name, so a second given name fills
// the place a surname has elsewhere. Clan names (Batak marga, Papuan,
// Minahasan, Moluccan, Timorese and Torajan family names) are passed from
// father to children. All are ASCII and contain no comma or quote, so CSV
// fields never need quoting.

func words(s string) []string { return strings.Fields(strings.ToUpper(s)) }

var (
	arabM = words(`Muhammad Ahmad Abdul Abdullah Hasan Husein Ali Umar Usman Ibrahim
		Ismail Yusuf Ilham Rizki Fajar Hidayat Syaiful Zainal Rahman Rahim Hakim Hamid
		Mahmud Anwar Amin Ridwan Lukman Sulaiman Ikhsan Fauzan Arif Hafiz Aziz Faisal
		Habib Imam Iqbal Jamal Kamal Rasyid Salim Taufik Yahya Zakaria Bahrul Syamsul
		Nurdin Mustofa Khoirul Mansur`)
	arabF = words(`Siti Nur Fatimah Aisyah Khadijah Aminah Zainab Maryam Halimah Rahmah
		Nurhayati Nuraini Hasanah Salamah Rukiah Rohimah Jamilah Zahra Nabila Aulia Azizah
		Khoirunnisa Latifah Munawaroh Nadia Rahmawati Syarifah Umi Zulaikha Hafsah
		Masitoh Sholihah Musdalifah Fitriani Nurjanah`)
	// modern names, given to children born from 2000 on in every Muslim culture
	modernM = words(`Rizky Dimas Bagus Raka Farhan Aditya Rafi Alif Arkan Zidan Dafa Reza
		Gilang Aldi Fikri Rehan Naufal Akbar Daffa Rangga`)
	modernF = words(`Putri Salsabila Anisa Citra Dinda Amelia Keisha Aqila Alya Naura Syifa
		Kirana Nayla Zaskia Adinda Cahaya Aurel Vania Marsya Tiara`)

	jawaM = words(`Agus Budi Bambang Joko Slamet Sugeng Wahyu Heru Eko Dwi Tri Hadi Purnomo
		Sutrisno Suharto Sumarno Widodo Santoso Setiawan Prasetyo Nugroho Kurniawan Gunawan
		Wibowo Susilo Teguh Yudi Rudi Bayu Galih Aji Adi Yoga Tono Hartono Sukirno Suyanto
		Mulyono Sugiarto Haryanto Darmawan Triyono Suparno Sunarto Priyo Wawan Sigit Puji`)
	jawaF = words(`Sri Dewi Wahyuni Rahayu Lestari Suryani Endang Sulastri Sumarni Suparmi
		Yuni Ani Rini Tutik Ningsih Astuti Handayani Kartini Sutinah Winarsih Wulandari
		Indah Retno Ratna Ayu Setyowati Purwanti Sumiati Mulyani Sukarni Wartini Murni
		Pratiwi Anjani Larasati Kusuma Utami Marsini Sriyati Suwarni`)
	// single names of Javanese born before 1960
	jawaOldM = words(`Paimo Sarijo Karto Wagiman Suparman Paijan Sukijan Tukiman Ngadiman
		Kasmo Sastro Marto Dikromo Sabar Parjo`)
	jawaOldF = words(`Tukinem Painem Sainah Poniyem Sumirah Wagiyem Ngatinah Kasinem Jumiyem
		Partini Sarinem Tumini Paikem Katiyem Sumini`)

	sundaM = words(`Asep Ujang Dede Cecep Dadang Ade Yayan Iwan Deden Ajat Ayi Engkos Jajang
		Aep Nanang Ikin Enjang Acep Cahya Rahmat Sopian Suherman Sukmana Permana Kusnadi
		Mulyana Supriatna Sutisna Gumilar Firmansyah Ruhiyat Saepudin`)
	sundaF = words(`Euis Neneng Iis Imas Enok Cucu Nining Ai Tati Yanti Cicih Entin Elis
		Eneng Rina Lilis Yeni Ela Sari Kurniasih Rohmah Komalasari Rosita Heni Yuyun Teti
		Popon Nenden Wiwin Kokom`)

	batakM = words(`Togar Parulian Hotman Sahat Tumpal Bonar Marulam Poltak Binsar Saut
		Parlindungan Maruli Tigor Manahan Jonggi Hasudungan Mangasi Pardamean Daniel
		Samuel Yohanes Rikardo Benget Sabar Tongam`)
	batakF = words(`Rosdiana Tiurma Rotua Nurmala Lasma Tiomina Romauli Sondang Taruli
		Rumondang Hotmaida Melva Dameria Riama Lamria Masta Debora Ruth Ester Nurhaida`)
	marga = words(`Simanjuntak Siregar Nasution Lubis Sitompul Situmorang Simatupang
		Hutapea Pardede Sinaga Sihombing Panjaitan Silalahi Manurung Tambunan Harahap
		Hasibuan Sitorus Pasaribu Nainggolan Hutagalung Hutabarat Tampubolon Sianturi
		Sembiring Ginting Tarigan Purba Saragih Damanik Napitupulu Simbolon Gultom
		Butarbutar Samosir Marpaung Sirait Aritonang Simorangkir Limbong`)

	minangM = words(`Fadli Zulkifli Syafri Yusrizal Afrizal Hendri Erizal Syahrial
		Zulhendri Andri Jasman Nofrizal Irwan Defri Efendi Asril Yondri Alfian Azwar
		Masrizal Dasril`)
	minangF = words(`Yusniar Rosmaniar Nurmaini Yenni Desi Nofriyanti Yusnita Elfi
		Asniwati Syafrida Yulia Rahmi Fitri Mardiah Zuraida Delvi Ernawati Nelly Rita
		Yusmaniar Roslaini`)

	bugisM = words(`Baso Ambo Sudirman Syamsuddin Arsyad Rusdi Jufri Arifin Haeruddin
		Sahabuddin Najamuddin Hamzah Basri Hasanuddin Saharuddin Kaharuddin Amiruddin
		Tajuddin Jumadi Muhlis Rahmatullah Irfan`)
	bugisF = words(`Besse Hasnawati Hasmiah Nurhaedah Sitti Hajrah Rosmini Nurbaya
		Hasriani Jumriati Asmawati Syamsiah Megawati Irmawati Hariati Kasmawati Sahriah
		Nurjannah Hadijah Rismawati`)

	melayuM = words(`Zulkarnain Fauzi Azhar Mukhlis Razali Junaidi Syahrul Khairul
		Iskandar Rusli Husaini Munir Fadhil Safrizal Maulana Hasbi Marzuki Nasrul
		Syarifuddin Tarmizi Zulfikar Bustami Ramli Hamdan`)
	melayuF = words(`Rosnah Nurlela Zuraidah Rohani Salmah Hasnah Mastura Zubaidah
		Nurhasanah Rosmawar Laila Maimunah Kamariah Juliani Meutia Raudhah Nurbaiti
		Rosmiati Zahara Marlina`)

	baliM = words(`Putra Sudarsana Suardana Wirawan Artawan Sutama Merta Sukarta
		Budiarta Arsana Suarjana Darma Wiguna Suparta Mahendra Sudiarta Astawa Widiana`)
	baliF = words(`Ayu Suciani Sukerti Suarni Ariani Sudiani Astiti Mariani Sumerti
		Rai Darmi Arini Sriasih Wiratni Sukarmi Adnyani Sudarmi Yuliantari`)
	// Balinese birth-order names: first, second, third, fourth child
	baliOrder = [4][]string{words(`Wayan Putu Gede`), words(`Made Kadek Nengah`),
		words(`Nyoman Komang`), words(`Ketut`)}

	christM = words(`Yohanes Markus Petrus Yakobus Yosias Nikolas Agustinus Fransiskus
		Elias Obed Yulius Melkias Yunus Hendrik Alpius Demianus Kornelis Abraham Lukas
		Silas Zakeus Titus Otniel Yeremia Stevanus Jefri Frengki Hengki Roni Marthen`)
	christF = words(`Maria Yuliana Martha Ribka Naomi Magdalena Yohana Agustina Fransina
		Elisabeth Selfina Yosina Dorkas Adolfina Herlina Rosalina Sarah Mince Oktovina
		Lince Meiske Deisy Novita Yuliani Margaretha`)
	papuaClan = words(`Wenda Kogoya Tabuni Wonda Murib Yikwa Wanimbo Rumbiak Mandowen Yoku
		Wanggai Kambuaya Rumkorem Waromi Ayomi Sawaki Karubaba Mansoben Krey Ohee Hamadi
		Itlay Gobai Pigai Douw Mote Tebay Magai Dimara Wamafma Kaize Mambor`)
	timurClan = words(`Wenas Lumenta Mandagi Pangemanan Rumengan Sondakh Kalalo Tumbelaka
		Pattinama Tuhumury Pattiasina Leiwakabessy Sahetapy Ndolu Nitbani Tefa Bria
		Manafe Fanggidae Seran Kolo Benu Sarira Tangdilintin Pongsibanne Lobo Ratu Dethan`)

	streets = words(`Melati Mawar Kenanga Anggrek Flamboyan Cempaka Merdeka Sudirman
		Diponegoro Pahlawan Veteran Kartini Imam_Bonjol Hasanuddin Pattimura Teuku_Umar
		Pemuda Masjid Pasar Sekolah Raya Nusantara Kamboja Dahlia Teratai Seroja Mangga
		Rambutan Durian Nangka Kelapa Pinang Cendana Beringin Jati Cemara Ahmad_Yani
		Gatot_Subroto Sisingamangaraja Pramuka Perintis Bhayangkara`)
	// hamlet (dusun, kampung, jorong, banjar) names: Javanese, Sundanese and
	// the common Indonesian ones used everywhere else
	hamletsJawa = words(`Krajan Kulon Wetan Lor Kidul Tengah Sidomulyo Sumberejo Karanganyar
		Tegalsari Banjarsari Sukorejo Margomulyo Ngasem Kebonsari Sidorejo Gondang`)
	hamletsSunda = words(`Cibodas Sukajadi Pasirjaya Sukamaju Sukamulya Mekarsari Babakan
		Cikaret Cimahi_Kidul Sindangsari Cipanas Sukasari Margaluyu Pasirhalang`)
	hamlets = words(`Tengah Sukamaju Harapan Makmur Sejahtera Baru Sumber_Jaya Tanjung
		Pematang Padang Bukit_Tinggi Kampung_Baru Mekar_Jaya Suka_Damai Sungai_Raya
		Pasar Pantai Muara Lestari Damai Bahagia Karya_Bakti Satu Dua Tiga Empat`)
)

func init() {
	for _, l := range [][]string{streets, hamletsJawa, hamletsSunda, hamlets} {
		for i, s := range l {
			l[i] = strings.ReplaceAll(s, "_", " ")
		}
	}
}
